package main

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kfake"

	"github.com/cofferhq/coffer"
	"github.com/cofferhq/coffer/client"
	"github.com/cofferhq/coffer/loadtest"
)

// sinkURLs returns a sink URL of each broker kind with names of this test's own: RabbitMQ and
// NATS from COFFER_TEST_AMQP and COFFER_TEST_NATS (the test fails without them unless -short),
// Kafka on franz-go's in-process kfake cluster, since no Kafka broker can be installed on the
// machines this project is built on; the sink speaks the Kafka protocol to it like to any
// broker.
func sinkURLs(t *testing.T, tag string) []string {
	t.Helper()
	amqpURL, natsURL := os.Getenv("COFFER_TEST_AMQP"), os.Getenv("COFFER_TEST_NATS")
	if amqpURL == "" || natsURL == "" {
		t.Fatal("set COFFER_TEST_AMQP and COFFER_TEST_NATS (make test does)")
	}
	cluster, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.SeedTopics(4, "coffer."+tag))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(cluster.Close)
	return []string{
		amqpURL + "?exchange=coffer." + tag,
		natsURL + "?stream=" + tag + "&subject=coffer." + tag,
		"kafka://" + cluster.ListenAddrs()[0] + "?topic=coffer." + tag,
	}
}

// received collects what a follower got: each seq's first arrival, in arrival order, per key.
type received struct {
	mu      sync.Mutex
	first   map[uint64]bool
	order   []uint64            // first arrivals
	byKey   map[string][]uint64 // first arrivals per subject
	repeats int
	changed chan struct{}
}

func (r *received) got(body []byte) {
	var e struct {
		ID      string `json:"id"`
		Seq     uint64 `json:"seq"`
		Subject string `json:"subject"`
	}
	if err := json.Unmarshal(body, &e); err != nil || e.ID != coffer.EventID(e.Seq) {
		panic(fmt.Sprintf("not an event: %s", body))
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.first[e.Seq] {
		r.repeats++
		return
	}
	r.first[e.Seq] = true
	r.order = append(r.order, e.Seq)
	r.byKey[e.Subject] = append(r.byKey[e.Subject], e.Seq)
	close(r.changed)
	r.changed = make(chan struct{})
}

func (r *received) count() (int, <-chan struct{}) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.order), r.changed
}

// waitFor waits until n distinct events have arrived.
func (r *received) waitFor(t *testing.T, what string, n int, bound time.Duration) {
	t.Helper()
	deadline := time.After(bound)
	for {
		got, ch := r.count()
		if got >= n {
			return
		}
		select {
		case <-ch:
		case <-deadline:
			t.Fatalf("%s: %d of %d events within %s", what, got, n, bound)
		}
	}
}

// TestRelayToBrokersSurvivesKill makes 10,000 deposits through a server that relays to
// RabbitMQ, NATS, Kafka and a webhook endpoint, kills it (SIGKILL) in the middle and starts it again on the same
// database: each broker's consumer gets every event, in order (per key for Kafka), the only
// repeats being the tail the killed relay had sent but not recorded.
func TestRelayToBrokersSurvivesKill(t *testing.T) {
	if testing.Short() {
		t.Skip("starts server processes and talks to brokers")
	}
	tag := fmt.Sprintf("kill%d", time.Now().UnixNano())
	urls := sinkURLs(t, tag)
	db := filepath.Join(t.TempDir(), "coffer.db")
	args := []string{}
	for _, u := range urls {
		args = append(args, "--sink", u)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	recv := make([]*received, len(urls))
	for i, u := range urls {
		f, err := loadtest.ParseFollower(u, "", "")
		if err != nil {
			t.Fatal(err)
		}
		r := &received{first: map[uint64]bool{}, byKey: map[string][]uint64{}, changed: make(chan struct{})}
		recv[i] = r
		ready := make(chan struct{})
		go func() {
			var once sync.Once
			if err := f.Follow(ctx, 0, func() { once.Do(func() { close(ready) }) }, r.got); err != nil && ctx.Err() == nil {
				t.Errorf("%s: %v", f.Name(), err)
			}
		}()
		select {
		case <-ready:
		case <-time.After(30 * time.Second):
			t.Fatalf("%s is not receiving", f.Name())
		}
	}

	srv := startServer(t, db, crashAdminKey, args...)
	var current atomic.Pointer[client.Client]
	current.Store(client.New(srv.URL(), crashAdminKey))
	if _, err := current.Load().CreateAsset(ctx, client.CreateAssetRequest{Code: "USD", Scale: 2}); err != nil {
		t.Fatal(err)
	}
	// A webhook endpoint too: a receiver here that checks each delivery's signature.
	hook := &received{first: map[uint64]bool{}, byKey: map[string][]uint64{}, changed: make(chan struct{})}
	var secret atomic.Value
	var badSignatures atomic.Int64
	receiver := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if !signedBy(r.Header.Get("Coffer-Signature"), body, secret.Load().(string)) {
			badSignatures.Add(1)
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		hook.got(body)
		w.WriteHeader(http.StatusNoContent)
	}))
	defer receiver.Close()
	endpoint, err := current.Load().CreateWebhook(ctx, client.CreateWebhookRequest{URL: receiver.URL})
	if err != nil {
		t.Fatal(err)
	}
	secret.Store(endpoint.Secret)
	hookAfter := *endpoint.ReplayAfter
	const deposits, workers = 10_000, 16
	var restarted = make(chan struct{})
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; i < deposits; i += workers {
				req := client.DepositRequest{ID: fmt.Sprint("d-", i), Owner: fmt.Sprint("u", i%50), Asset: "USD", Amount: "1.00"}
				for {
					_, err := current.Load().Deposit(ctx, req)
					if err == nil {
						break
					}
					// The server is down: the same request, with the same id, once it is back.
					select {
					case <-restarted:
					case <-ctx.Done():
						return
					}
				}
			}
		}()
	}
	// Kill the server once the brokers have some of the stream, with deposits still coming.
	recv[0].waitFor(t, "rabbitmq before the kill", 3000, time.Minute)
	if err := srv.cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	<-srv.done
	srv = startServer(t, db, crashAdminKey, args...)
	current.Store(client.New(srv.URL(), crashAdminKey))
	close(restarted)
	wg.Wait()

	last := uint64(0)
	for after := uint64(0); ; {
		p, err := current.Load().Events(ctx, after, 1000)
		if err != nil {
			t.Fatal(err)
		}
		if len(p.Events) > 0 {
			after = p.Events[len(p.Events)-1].Seq
		}
		if !p.HasMore {
			last = after
			break
		}
	}
	if last < deposits {
		t.Fatalf("%d events for %d deposits", last, deposits)
	}
	for i, r := range recv {
		r.waitFor(t, urls[i], int(last), 2*time.Minute)
		r.mu.Lock()
		if i < 2 { // RabbitMQ and NATS: one stream, in seq order
			for j, seq := range r.order {
				if seq != uint64(j+1) {
					t.Errorf("%s: the %dth event to arrive is %d", urls[i], j+1, seq)
					break
				}
			}
		} else { // Kafka: in order per key
			for key, seqs := range r.byKey {
				for j := 1; j < len(seqs); j++ {
					if seqs[j] < seqs[j-1] {
						t.Errorf("kafka: key %s has event %d after %d", key, seqs[j], seqs[j-1])
						break
					}
				}
			}
		}
		t.Logf("%s: %d events, %d repeats", urls[i][:4], len(r.order), r.repeats)
		r.mu.Unlock()
	}
	hook.waitFor(t, "the webhook endpoint", int(last-hookAfter), 2*time.Minute)
	hook.mu.Lock()
	defer hook.mu.Unlock()
	for j, seq := range hook.order {
		if seq != hookAfter+uint64(j+1) {
			t.Fatalf("webhook: the %dth event to arrive is %d, want %d", j+1, seq, hookAfter+uint64(j+1))
		}
	}
	if n := badSignatures.Load(); n > 0 {
		t.Errorf("webhook: %d deliveries with a bad signature", n)
	}
	t.Logf("webhook: %d events, %d repeats", len(hook.order), hook.repeats)
}

// signedBy checks a Coffer-Signature header ("t=<unix>,v1=<hex>", the HMAC-SHA256 of
// "<t>.<body>") against secret.
func signedBy(header string, body []byte, secret string) bool {
	var stamp string
	var sigs []string
	for _, part := range strings.Split(header, ",") {
		k, v, _ := strings.Cut(part, "=")
		if k == "t" {
			stamp = v
		} else if k == "v1" {
			sigs = append(sigs, v)
		}
	}
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(stamp + "."))
	mac.Write(body)
	want := hex.EncodeToString(mac.Sum(nil))
	return stamp != "" && slices.Contains(sigs, want)
}
