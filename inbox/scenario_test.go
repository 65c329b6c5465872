package inbox_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/cofferhq/coffer"
	"github.com/cofferhq/coffer/client"
	"github.com/cofferhq/coffer/httpapi"
	"github.com/cofferhq/coffer/inbox"
	"github.com/cofferhq/coffer/internal/testdb"
)

// A scenario runs against a consumer of one broker on a fresh world.
type scenario struct {
	name string
	opts options
	run  func(t *testing.T, b broker, w *world)
}

var scenarios = []scenario{
	{"EveryType", options{role: coffer.RoleAdmin}, everyType},
	{"Poison", options{prefetch: 1}, poisonMessages},
	{"SentTwice", options{}, sentTwice},
	{"Signatures", options{secret: "s3cret-shared"}, signatures},
	{"Oversized", options{bytesMax: 2048}, oversized},
}

// runScenarios runs every scenario on each kind of store, with start giving each its broker.
func runScenarios(t *testing.T, start func(t *testing.T, w *world, o options) broker) {
	for _, kind := range testdb.Kinds() {
		for _, sc := range scenarios {
			t.Run(kind.Name+"/"+sc.name, func(t *testing.T) {
				t.Parallel()
				w := newWorld(t, kind.Open(t))
				sc.run(t, start(t, w, sc.opts), w)
			})
		}
	}
}

// exchange sends a command and waits for its reply, correlated by the command's id.
func exchange(t *testing.T, b broker, id string, msg []byte, headers map[string]string) reply {
	t.Helper()
	b.send(t, id, msg, headers)
	return b.reply(t, id)
}

// everyType sends every command type in turn, checks each reply's status and that its body is
// the answer the API gives the same operation, and the balances at the end.
func everyType(t *testing.T, b broker, w *world) {
	steps := []struct {
		typ, id, target, body string
		status                int
	}{
		{client.CommandCreateAsset, "asset-eur", "", `{"code":"EUR","scale":2}`, 201},
		{client.CommandCreateAccount, "acct-shop", "", `{"kind":"merchant","owner":"shop","asset":"USD"}`, 201},
		{client.CommandAdjustment, "fund-gold", "", `{"account_id":"system:exchange:GOLD","direction":"credit","amount":"100","reason":"fund the pool"}`, 201},
		{client.CommandDeposit, "d1", "", `{"owner":"alice","asset":"USD","amount":"100.00"}`, 201},
		{client.CommandWithdrawal, "w1", "", `{"owner":"alice","asset":"USD","amount":"10","destination":"bank"}`, 201},
		{client.CommandCompleteWithdrawal, "w1-done", "w1", `{"amount":"6"}`, 200},
		{client.CommandWithdrawal, "w2", "", `{"id":"w2","owner":"alice","asset":"USD","amount":"10","destination":"bank"}`, 201},
		{client.CommandFailWithdrawal, "w2-fail", "w2", ``, 200},
		{client.CommandPayment, "p1", "", `{"owner":"alice","merchant":"shop","asset":"USD","amount":"20","fee":"1","order_id":"o-1"}`, 201},
		{client.CommandRefund, "r1", "p1", `{"amount":"5"}`, 201},
		{client.CommandExchange, "x1", "", `{"owner":"alice","from":"USD","to":"GOLD","amount":"10","rate":"1"}`, 201},
		{client.CommandHold, "h1", "", `{"owner":"alice","asset":"USD","amount":"10","merchant":"shop"}`, 201},
		{client.CommandCapture, "h1-cap", "h1", `{"amount":"4"}`, 200},
		{client.CommandHold, "h2", "", `{"owner":"alice","asset":"USD","amount":"10"}`, 201},
		{client.CommandRelease, "h2-rel", "h2", `{}`, 200},
		{client.CommandTransfer, "t1", "", `{"debit_account_id":"wallet:alice:USD","credit_account_id":"merchant:shop:USD","amount":"1","pending":true}`, 201},
		{client.CommandPost, "t1-post", "t1", ``, 200},
		{client.CommandTransfer, "t2", "", `{"debit_account_id":"wallet:alice:USD","credit_account_id":"merchant:shop:USD","amount":"1","pending":true}`, 201},
		{client.CommandVoid, "t2-void", "t2", ``, 200},
		{client.CommandLockAccount, "lock-1", "wallet:alice:USD", `{"debits":true,"reason":"review"}`, 200},
		{client.CommandUnlockAccount, "unlock-1", "wallet:alice:USD", `{}`, 200},
	}
	seen := map[string]bool{}
	for _, st := range steps {
		seen[st.typ] = true
		r := exchange(t, b, st.id, command(st.id, st.typ, st.target, st.body), nil)
		if r.status != st.status {
			t.Fatalf("%s %s: status %d, want %d: %s", st.typ, st.id, r.status, st.status, r.body)
		}
		if r.command != st.id {
			t.Errorf("%s %s: the reply names command %q", st.typ, st.id, r.command)
		}
		// The API answers the same operation again with the same bytes: the reply is the
		// answer of the HTTP endpoint.
		status, answer := w.server.Command(context.Background(), coffer.RoleAdmin,
			client.Command{ID: st.id, Type: st.typ, Target: st.target, Body: json.RawMessage(st.body)})
		if st.typ != client.CommandCreateAsset && st.typ != client.CommandCreateAccount &&
			(status != r.status || !bytes.Equal(answer, r.body)) {
			t.Fatalf("%s %s: replied %d %s; the API answers %d %s", st.typ, st.id, r.status, r.body, status, answer)
		}
	}
	for _, typ := range httpapi.CommandTypes() {
		if !seen[typ] {
			t.Errorf("command type %s is not sent", typ)
		}
	}
	// 100 in; 6 withdrawn; 20 paid, 5 refunded; 10 exchanged; 4 captured; 1 posted.
	if got := w.balance(t, "alice", "USD"); got != "64.00" {
		t.Errorf("alice has %s USD, want 64.00", got)
	}
	if got := w.balance(t, "alice", "GOLD"); got != "10" {
		t.Errorf("alice has %s GOLD, want 10", got)
	}
}

// poisonMessages sends messages that can never succeed, each answered with an error and
// dead-lettered with its reason, and a definite refusal between them, answered and not
// dead-lettered; the consumer goes on with the next command.
func poisonMessages(t *testing.T, b broker, w *world) {
	poisons := []struct {
		corr   string
		msg    string
		status int
		code   string
	}{
		{"malformed", `{"id":"m1","type":"deposit",`, 400, coffer.EINVALID},
		{"not-an-object", `["deposit"]`, 400, coffer.EINVALID},
		{"unknown-type", string(command("u1", "teleport", "", `{}`)), 400, coffer.EINVALID},
		{"invalid-body", string(command("i1", "deposit", "", `{"owner":"alice","asset":"USD","amount":"1.001"}`)), 400, coffer.EINVALID},
		{"unknown-member", `{"id":"k1","type":"deposit","body":{"owner":"alice","asset":"USD","amount":"1"},"priority":1}`, 400, coffer.EINVALID},
		{"duplicate-member", `{"id":"k2","id":"k3","type":"deposit","body":{"owner":"alice","asset":"USD","amount":"1"}}`, 400, coffer.EINVALID},
		{"missing-id", `{"type":"deposit","body":{"owner":"alice","asset":"USD","amount":"1"}}`, 400, coffer.EINVALID},
		{"missing-type", `{"id":"t9","body":{"owner":"alice","asset":"USD","amount":"1"}}`, 400, coffer.EINVALID},
		{"admin-only", string(command("a1", "adjustment", "", `{"account_id":"wallet:alice:USD","direction":"credit","amount":"1","reason":"x"}`)), 403, coffer.EFORBIDDEN},
	}
	for _, p := range poisons {
		r := exchange(t, b, p.corr, []byte(p.msg), nil)
		if r.status != p.status || errorCode(r.body) != p.code {
			t.Fatalf("%s: replied %d %s, want %d %s", p.corr, r.status, r.body, p.status, p.code)
		}
		d := b.dead(t)
		if !bytes.Equal(d.body, []byte(p.msg)) {
			t.Fatalf("%s: the dead letter carries %s, want the message %s", p.corr, d.body, p.msg)
		}
		if d.headers[inbox.HeaderErrorCode] != p.code || d.headers[inbox.HeaderReason] == "" ||
			d.headers[inbox.HeaderStatus] != strconv.Itoa(p.status) {
			t.Fatalf("%s: dead letter headers %v, want code %s, status %d and a reason", p.corr, d.headers, p.code, p.status)
		}
		if errorCode(r.body) == coffer.EINVALID && !strings.Contains(string(r.body), `"message":"`) {
			t.Fatalf("%s: the reply %s has no message", p.corr, r.body)
		}
	}
	// A refusal the ledger records is the command's outcome: replied, not dead-lettered. The
	// next dead letter is the marker's, sent after it.
	r := exchange(t, b, "broke", command("broke", "withdrawal", "", `{"owner":"alice","asset":"USD","amount":"1","destination":"bank"}`), nil)
	if r.status != 402 || errorCode(r.body) != coffer.EINSUFFICIENTFUNDS {
		t.Fatalf("withdrawal from an empty wallet: %d %s", r.status, r.body)
	}
	marker := command("marker", "no-such-type", "", `{}`)
	if r := exchange(t, b, "marker", marker, nil); r.status != 400 {
		t.Fatalf("marker: %d %s", r.status, r.body)
	}
	if d := b.dead(t); !bytes.Equal(d.body, marker) {
		t.Fatalf("the next dead letter is %s, want the marker's: the refusal was dead-lettered", d.body)
	}
	if r := exchange(t, b, "good", command("good", "deposit", "", `{"owner":"alice","asset":"USD","amount":"2.50"}`), nil); r.status != 201 {
		t.Fatalf("deposit after the poison: %d %s", r.status, r.body)
	}
	if got := w.balance(t, "alice", "USD"); got != "2.50" {
		t.Errorf("alice has %s USD, want 2.50", got)
	}
}

// sentTwice sends a deposit twice and a refused withdrawal twice: each is applied (or
// recorded) once and answered twice the same.
func sentTwice(t *testing.T, b broker, w *world) {
	for _, msg := range [][]byte{
		command("dup-1", "deposit", "", `{"owner":"bob","asset":"USD","amount":"5.00"}`),
		command("dup-2", "withdrawal", "", `{"owner":"bob","asset":"USD","amount":"50","destination":"bank"}`),
	} {
		var c client.Command
		if err := json.Unmarshal(msg, &c); err != nil {
			t.Fatal(err)
		}
		b.send(t, c.ID+"-a", msg, nil)
		b.send(t, c.ID+"-b", msg, nil)
		first, second := b.reply(t, c.ID+"-a"), b.reply(t, c.ID+"-b")
		if first.status != second.status || !bytes.Equal(first.body, second.body) {
			t.Fatalf("%s answered %d %s, then %d %s", c.ID, first.status, first.body, second.status, second.body)
		}
		if first.status >= 500 || first.status == 400 {
			t.Fatalf("%s: %d %s", c.ID, first.status, first.body)
		}
	}
	if got := w.balance(t, "bob", "USD"); got != "5.00" {
		t.Errorf("bob has %s USD, want 5.00: the deposit sent twice was applied %s", got, "more than once")
	}
}

// signatures sends messages signed wrongly in every way, each refused as unauthorized with a
// reply, dead-lettered and changing nothing, and one signed right.
func signatures(t *testing.T, b broker, w *world) {
	const secret = "s3cret-shared"
	now := time.Now()
	msg := func(id string) []byte {
		return command(id, "deposit", "", `{"owner":"carol","asset":"USD","amount":"1.00"}`)
	}
	bad := []struct {
		corr    string
		body    []byte
		headers map[string]string
	}{
		{"unsigned", msg("s1"), nil},
		{"no-timestamp", msg("s2"), map[string]string{inbox.HeaderSignature: signed(secret, now, msg("s2"))[inbox.HeaderSignature]}},
		{"other-secret", msg("s3"), signed("not-the-secret", now, msg("s3"))},
		{"stale", msg("s4"), signed(secret, now.Add(-10*time.Minute), msg("s4"))},
		{"from-the-future", msg("s5"), signed(secret, now.Add(10*time.Minute), msg("s5"))},
		{"other-body", msg("s6"), signed(secret, now, msg("s6-original"))},
		{"not-hex", msg("s7"), map[string]string{inbox.HeaderTimestamp: fmt.Sprint(now.Unix()), inbox.HeaderSignature: "zz"}},
		{"timestamp-not-a-number", msg("s8"), map[string]string{inbox.HeaderTimestamp: "yesterday", inbox.HeaderSignature: "00"}},
	}
	for _, c := range bad {
		r := exchange(t, b, c.corr, c.body, c.headers)
		if r.status != 401 || errorCode(r.body) != coffer.EUNAUTHORIZED {
			t.Fatalf("%s: replied %d %s, want 401 unauthorized", c.corr, r.status, r.body)
		}
		if d := b.dead(t); d.headers[inbox.HeaderErrorCode] != coffer.EUNAUTHORIZED || !bytes.Equal(d.body, c.body) {
			t.Fatalf("%s: dead letter %s %v", c.corr, d.body, d.headers)
		}
	}
	if got := w.balance(t, "carol", "USD"); got != "" {
		t.Fatalf("carol has %s USD after refused commands", got)
	}
	good := msg("s-good")
	if r := exchange(t, b, "good", good, signed(secret, now, good)); r.status != 201 {
		t.Fatalf("a signed command: %d %s", r.status, r.body)
	}
	if got := w.balance(t, "carol", "USD"); got != "1.00" {
		t.Errorf("carol has %s USD, want 1.00", got)
	}
}

// oversized sends a message over the consumer's limit of 2048 bytes: refused, dead-lettered
// with its size, and the consumer goes on.
func oversized(t *testing.T, b broker, w *world) {
	big := command("big", "deposit", "", `{"owner":"dave","asset":"USD","amount":"1","metadata":{"pad":"`+strings.Repeat("x", 2100)+`"}}`)
	r := exchange(t, b, "big", big, nil)
	if r.status != 400 || errorCode(r.body) != coffer.EINVALID || !strings.Contains(string(r.body), "at most 2048") {
		t.Fatalf("oversized: replied %d %s", r.status, r.body)
	}
	d := b.dead(t)
	if d.headers[inbox.HeaderReason] == "" || !bytes.Equal(d.body, big) {
		t.Fatalf("oversized: dead letter %v with %d bytes", d.headers, len(d.body))
	}
	if r := exchange(t, b, "small", command("small", "deposit", "", `{"owner":"dave","asset":"USD","amount":"1"}`), nil); r.status != 201 {
		t.Fatalf("a command after the oversized one: %d %s", r.status, r.body)
	}
	if got := w.balance(t, "dave", "USD"); got != "1.00" {
		t.Errorf("dave has %s USD, want 1.00", got)
	}
}
