package paymentqueue_test

import (
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/cofferhq/coffer/paymentqueue"
)

// TestSignatureExample holds docs/PAYMENT_QUEUE.md's worked example to the code: the canonical
// form of its message and the sign under its key.
func TestSignatureExample(t *testing.T) {
	doc, err := os.ReadFile("../docs/PAYMENT_QUEUE.md")
	if err != nil {
		t.Fatal(err)
	}
	_, example, ok := strings.Cut(string(doc), "### Worked example")
	if !ok {
		t.Fatal("docs/PAYMENT_QUEUE.md has no worked example")
	}
	key := regexp.MustCompile("Key: `([^`]+)`").FindStringSubmatch(example)
	blocks := regexp.MustCompile("(?s)```[a-z]*\n(.*?)\n```").FindAllStringSubmatch(example, -1)
	if key == nil || len(blocks) < 3 {
		t.Fatalf("the worked example needs a key and three blocks (message, canonical form, sign); found %d blocks", len(blocks))
	}
	msg, canonical, sign := blocks[0][1], blocks[1][1], blocks[2][1]
	got, err := paymentqueue.Canonical([]byte(msg))
	if err != nil {
		t.Fatal(err)
	}
	if got != canonical {
		t.Errorf("canonical form:\n%s\nthe page says:\n%s", got, canonical)
	}
	if s := paymentqueue.Sign([]byte(key[1]), canonical); s != sign {
		t.Errorf("sign %s, the page says %s", s, sign)
	}
	signed, err := paymentqueue.SignMessage([]byte(key[1]), []byte(msg))
	if err != nil || !strings.HasSuffix(string(signed), `,"sign":"`+sign+`"}`) {
		t.Errorf("SignMessage: %s, %v", signed, err)
	}
}

func TestParseURL(t *testing.T) {
	b, err := paymentqueue.ParseURL("amqp://u:secret@h:5672/v?exchange=x&withdraw_queue=wq&pay_return_key=prk&prefetch=4&heartbeat=5")
	if err != nil {
		t.Fatal(err)
	}
	if b.Exchange != "x" || b.Routes.Withdraw.Queue != "wq" || b.Routes.Withdraw.RoutingKey != "pay.withdraw.routing.key" ||
		b.Routes.PayReturn.RoutingKey != "prk" || b.Prefetch != 4 || b.URL != "amqp://u:secret@h:5672/v?heartbeat=5" {
		t.Errorf("ParseURL: %+v", b)
	}
	for _, bad := range []string{"http://h/", "amqp://h/?nope=1", "amqp://h/?exchange=a&exchange=b", "amqp://h/?prefetch=0",
		"amqp://h/?pay_queue=pay.withdraw.queue", "amqp://h/?exchange_kind=odd", "amqp:///"} {
		if _, err := paymentqueue.ParseURL(bad); err == nil {
			t.Errorf("ParseURL(%q) took it", bad)
		} else if strings.Contains(err.Error(), "secret") {
			t.Errorf("ParseURL(%q): %v shows the password", bad, err)
		}
	}
}
