package webhook_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cofferhq/coffer"
	"github.com/cofferhq/coffer/duty"
	"github.com/cofferhq/coffer/internal/broadcast"
	"github.com/cofferhq/coffer/internal/testdb"
	"github.com/cofferhq/coffer/ledger"
	"github.com/cofferhq/coffer/outbox"
	"github.com/cofferhq/coffer/webhook"
)

// verify checks a Coffer-Signature header with verifyCoffer, docs/WEBHOOKS.md's receiver code
// (written from the documented format, not with webhook.Sign), against each of secrets, and
// returns the indexes of those that match.
func verify(header string, body []byte, secrets []string, now time.Time) ([]int, error) {
	var matched []int
	var last error
	for i, secret := range secrets {
		if last = verifyCoffer(header, body, secret, now); last == nil {
			matched = append(matched, i)
		}
	}
	if len(matched) == 0 {
		return nil, fmt.Errorf("%q: %v", header, last)
	}
	return matched, nil
}

// delivery is one request a receiver took.
type delivery struct {
	ID, Type string
	Seq      uint64
	Attempt  int
	Matched  []int // the receiver's secrets whose signature matched
	At       time.Time
	Status   int // what the receiver answered
}

// receiver is a webhook endpoint under test: it checks every signature and answers what answer
// says for the nth request (200 when answer is nil).
type receiver struct {
	t   *testing.T
	srv *httptest.Server

	mu      sync.Mutex
	secrets []string
	got     []delivery
	refused []string // why bad requests were refused: must stay empty
	answer  func(n int, d delivery) int
	hold    chan struct{} // if set, every request waits for it to close
	// answerHold, if set, holds every answer after its delivery is taken, until it closes;
	// answering tells each when it is held.
	answerHold chan struct{}
	answering  chan string
	changed    chan struct{}
}

func newReceiver(t *testing.T) *receiver {
	r := &receiver{t: t, changed: make(chan struct{})}
	r.srv = httptest.NewServer(http.HandlerFunc(r.serve))
	t.Cleanup(func() {
		r.mu.Lock()
		if r.hold != nil {
			select {
			case <-r.hold:
			default:
				close(r.hold)
			}
		}
		r.mu.Unlock()
		r.srv.Close()
	})
	return r
}

func (r *receiver) serve(w http.ResponseWriter, req *http.Request) {
	r.mu.Lock()
	hold := r.hold
	r.mu.Unlock()
	if hold != nil {
		select {
		case <-hold:
		case <-req.Context().Done():
			return
		}
	}
	body, _ := io.ReadAll(req.Body)
	r.mu.Lock()
	defer r.mu.Unlock()
	defer func() {
		close(r.changed)
		r.changed = make(chan struct{})
	}()
	matched, err := verify(req.Header.Get("Coffer-Signature"), body, r.secrets, time.Now())
	if err != nil {
		r.refused = append(r.refused, err.Error())
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	var p struct {
		ID, Type string
		Seq      uint64
		Version  int
	}
	if err := json.Unmarshal(body, &p); err != nil || p.Version != 1 || req.Header.Get("Coffer-Event-Id") != p.ID ||
		req.Header.Get("Coffer-Event-Type") != p.Type || req.Header.Get("Coffer-Event-Seq") != strconv.FormatUint(p.Seq, 10) ||
		req.Header.Get("Content-Type") != "application/json" {
		r.refused = append(r.refused, fmt.Sprintf("body %s with headers %v: %v", body, req.Header, err))
		w.WriteHeader(http.StatusBadRequest)
		return
	}
	attempt, _ := strconv.Atoi(req.Header.Get("Coffer-Delivery-Attempt"))
	d := delivery{ID: p.ID, Type: p.Type, Seq: p.Seq, Attempt: attempt, Matched: matched, At: time.Now(), Status: http.StatusOK}
	if r.answer != nil {
		if s := r.answer(len(r.got)+1, d); s != 0 {
			d.Status = s
		}
	}
	r.got = append(r.got, d)
	if hold := r.answerHold; hold != nil {
		r.mu.Unlock()
		r.answering <- d.ID
		select {
		case <-hold:
		case <-req.Context().Done():
		}
		r.mu.Lock()
	}
	w.WriteHeader(d.Status)
	fmt.Fprintf(w, "answer %d to %s", d.Status, d.ID)
}

// waitFor waits until done holds of what the receiver took.
func (r *receiver) waitFor(what string, done func(got []delivery) bool) []delivery {
	r.t.Helper()
	deadline := time.After(60 * time.Second)
	for {
		r.mu.Lock()
		ok := done(r.got)
		got := append([]delivery(nil), r.got...)
		ch := r.changed
		r.mu.Unlock()
		if ok {
			return got
		}
		select {
		case <-ch:
		case <-deadline:
			r.t.Fatalf("receiver: %s not within 60 s; got %d requests", what, len(got))
		}
	}
}

// accepted returns the events the receiver answered 2xx to, in the order it took them.
func accepted(got []delivery) []delivery {
	var out []delivery
	for _, d := range got {
		if d.Status/100 == 2 {
			out = append(out, d)
		}
	}
	return out
}

// upTo reports whether the receiver accepted event seq.
func upTo(seq uint64) func([]delivery) bool {
	return func(got []delivery) bool {
		for _, d := range got {
			if d.Status/100 == 2 && d.Seq >= seq {
				return true
			}
		}
		return false
	}
}

func (r *receiver) checkRefused() {
	r.t.Helper()
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.refused) > 0 {
		r.t.Fatalf("the receiver refused %d requests, the first: %s", len(r.refused), r.refused[0])
	}
}

type store interface {
	coffer.Store
	coffer.LeaseStore
	coffer.CursorStore
	coffer.WebhookStore
}

type fixture struct {
	store  store
	ledger *ledger.Ledger
	relay  *outbox.Relay
	hooks  *webhook.Service

	mu      sync.Mutex
	cursors map[string]uint64 // as the relay reports moving them
	moved   broadcast.Signal
}

// setup opens a store, a ledger with an asset, a webhook service with schedule and a relay
// delivering to its endpoints, run by a duty runner until the test ends.
func setup(t *testing.T, kind testdb.Kind, schedule ...time.Duration) *fixture {
	t.Helper()
	s := kind.Open(t).(store)
	logger := slog.New(slog.NewTextHandler(t.Output(), nil))
	f := &fixture{store: s, cursors: map[string]uint64{}}
	f.hooks = webhook.New(webhook.Config{Store: s, Events: s, Schedule: schedule, Jitter: -1, Timeout: 2 * time.Second,
		Logger: logger, Changed: func() { f.relay.Reload() }})
	f.relay = outbox.New(outbox.Config{Store: s, Dynamic: f.hooks.Sinks, BatchMax: 100, Logger: logger,
		Advanced: func(sink string, seq uint64) {
			f.mu.Lock()
			f.cursors[sink] = seq
			f.mu.Unlock()
			f.moved.Notify()
		}})
	f.ledger = ledger.New(s, ledger.Config{Committed: f.relay.Notify})
	t.Cleanup(func() { f.ledger.Close() })
	if _, err := f.ledger.Do(t.Context(), ledger.CreateAsset{Code: "USD", Scale: 2}); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	r := duty.New(duty.Config{Store: s, Logger: logger}, duty.Duty{Name: "relay", Run: f.relay.Run})
	done := make(chan struct{})
	go func() {
		defer close(done)
		r.Run(ctx)
	}()
	t.Cleanup(func() {
		cancel()
		<-done
	})
	return f
}

// waitCursor waits until the relay has moved the endpoint's cursor to seq: by then the attempts
// of the deliveries before it are recorded.
func (f *fixture) waitCursor(t *testing.T, id string, seq uint64) {
	t.Helper()
	deadline := time.After(60 * time.Second)
	for {
		ch := f.moved.Wait()
		f.mu.Lock()
		at := f.cursors[coffer.WebhookSink(id)]
		f.mu.Unlock()
		if at >= seq {
			return
		}
		select {
		case <-ch:
		case <-deadline:
			t.Fatalf("webhook %s: cursor at %d, not %d, after 60 s", id, at, seq)
		}
	}
}

// deposit makes n deposits of 1.00 and returns the last event's seq.
func (f *fixture) deposit(t *testing.T, prefix string, n int) uint64 {
	t.Helper()
	cmds := make([]ledger.Command, n)
	for i := range cmds {
		cmds[i] = ledger.Deposit{ID: fmt.Sprintf("%s-%d", prefix, i), Owner: fmt.Sprint("u", i%7), Asset: "USD", Amount: coffer.AmountFromInt64(100)}
	}
	for _, o := range f.ledger.DoAll(t.Context(), cmds) {
		if o.Err != nil {
			t.Fatal(o.Err)
		}
	}
	last, err := f.store.LastEventSeq(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	return last
}

// create registers the receiver and tells it the secret.
func (f *fixture) create(t *testing.T, r *receiver, events ...string) coffer.Webhook {
	t.Helper()
	w, err := f.hooks.Create(t.Context(), webhook.Spec{URL: r.srv.URL + "/hook?token=abc", Events: events})
	if err != nil {
		t.Fatal(err)
	}
	if w.ReplayAfter == nil || w.Status != coffer.WebhookActive {
		t.Fatalf("a new endpoint: %+v", w)
	}
	r.mu.Lock()
	r.secrets = []string{w.Secret}
	r.mu.Unlock()
	return w
}

// checkInOrder checks that the accepted deliveries hold every event after after up to last (of
// the wanted types, if any), in order, each once.
func checkInOrder(t *testing.T, f *fixture, got []delivery, after, last uint64, types ...string) {
	t.Helper()
	es, err := f.store.Events(t.Context(), after, int(last-after))
	if err != nil {
		t.Fatal(err)
	}
	var want []string
	for _, e := range es {
		if len(types) == 0 || strings.Contains(strings.Join(types, " "), e.Type) {
			want = append(want, e.ID)
		}
	}
	var have []string
	for _, d := range accepted(got) {
		have = append(have, d.ID)
	}
	if strings.Join(have, " ") != strings.Join(want, " ") {
		t.Fatalf("accepted %d events, want %d in order; first difference at %d:\nhave %v\nwant %v", len(have), len(want), firstDiff(have, want), have, want)
	}
}

// count returns how many events of type typ there are after seq after.
func (f *fixture) count(t *testing.T, after uint64, typ string) int {
	t.Helper()
	es, err := f.store.Events(t.Context(), after, 100000)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, e := range es {
		if e.Type == typ {
			n++
		}
	}
	return n
}

func firstDiff(a, b []string) int {
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			return i
		}
	}
	return min(len(a), len(b))
}

// TestDeliverSigned: real ledger traffic reaches an endpoint in order, each event once, every
// request signed so that a receiver's own check accepts it; every delivery is recorded.
func TestDeliverSigned(t *testing.T) {
	for _, kind := range testdb.Kinds() {
		t.Run(kind.Name, func(t *testing.T) {
			t.Parallel()
			f := setup(t, kind, time.Millisecond)
			r := newReceiver(t)
			w := f.create(t, r)
			last := f.deposit(t, "d", 300)
			got := r.waitFor("every event", upTo(last))
			f.waitCursor(t, w.ID, last)
			r.checkRefused()
			checkInOrder(t, f, got, *w.ReplayAfter, last)
			attempts, err := f.hooks.Attempts(t.Context(), coffer.WebhookAttemptFilter{Webhook: w.ID, Limit: 1000})
			if err != nil {
				t.Fatal(err)
			}
			if len(attempts) != int(last-*w.ReplayAfter) {
				t.Fatalf("%d attempts recorded, want %d", len(attempts), last-*w.ReplayAfter)
			}
			a := attempts[0] // the newest
			if a.Seq != last || a.Outcome != coffer.AttemptDelivered || a.Status != 200 || a.Attempt != 1 ||
				a.Response != fmt.Sprintf("answer 200 to %s", a.EventID) || a.Latency <= 0 || a.Redelivery {
				t.Fatalf("newest attempt: %+v", a)
			}
		})
	}
}

// TestVerifyRefuses makes sure the receiver's check is not a rubber stamp: a changed body, a
// wrong secret and an old timestamp are refused.
func TestVerifyRefuses(t *testing.T) {
	body := []byte(`{"id":"evt_1"}`)
	now := time.Now()
	h := webhook.Sign(now, body, "whsec_a")
	if err := verifyCoffer(h, body, "whsec_a", now); err != nil {
		t.Fatalf("a good signature refused: %v", err)
	}
	if err := verifyCoffer(h, []byte(`{"id":"evt_2"}`), "whsec_a", now); err == nil {
		t.Error("a changed body accepted")
	}
	if err := verifyCoffer(h, body, "whsec_b", now); err == nil {
		t.Error("a wrong secret accepted")
	}
	if err := verifyCoffer(h, body, "whsec_a", now.Add(10*time.Minute)); err == nil {
		t.Error("a replay ten minutes later accepted")
	}
	if err := verifyCoffer(strings.Replace(h, "t=", "t=1", 1), body, "whsec_a", now); err == nil {
		t.Error("a changed timestamp accepted")
	}
}

// TestRetrySchedule: an endpoint that fails three times gets the event on the fourth attempt,
// each attempt no sooner than the schedule says, and every attempt is recorded.
func TestRetrySchedule(t *testing.T) {
	schedule := []time.Duration{50 * time.Millisecond, 100 * time.Millisecond, 200 * time.Millisecond, time.Hour}
	f := setup(t, testdb.Kinds()[0], schedule...)
	r := newReceiver(t)
	var target uint64 // the second event after the endpoint's creation
	r.answer = func(n int, d delivery) int {
		if d.Seq == target && d.Attempt <= 3 {
			return []int{500, 503, 429}[d.Attempt-1]
		}
		return 0
	}
	w := f.create(t, r)
	r.mu.Lock()
	target = *w.ReplayAfter + 2
	r.mu.Unlock()
	last := f.deposit(t, "d", 4)
	got := r.waitFor("every event", upTo(last))
	r.checkRefused()
	checkInOrder(t, f, got, *w.ReplayAfter, last)
	var tries []delivery
	for _, d := range got {
		if d.Seq == target {
			tries = append(tries, d)
		}
	}
	if len(tries) != 4 || tries[3].Status != 200 {
		t.Fatalf("event %d was tried %d times: %+v", target, len(tries), tries)
	}
	for i := 1; i < len(tries); i++ {
		if tries[i].Attempt != i+1 {
			t.Errorf("attempt %d carried Coffer-Delivery-Attempt %d", i+1, tries[i].Attempt)
		}
		if gap := tries[i].At.Sub(tries[i-1].At); gap < schedule[i-1] {
			t.Errorf("attempt %d came %s after attempt %d; the schedule says %s", i+1, gap, i, schedule[i-1])
		}
	}
	f.waitCursor(t, w.ID, last)
	attempts, err := f.hooks.Attempts(t.Context(), coffer.WebhookAttemptFilter{Webhook: w.ID, EventID: coffer.EventID(target)})
	if err != nil {
		t.Fatal(err)
	}
	var outcomes []string
	for _, a := range attempts {
		outcomes = append(outcomes, fmt.Sprintf("%d:%d:%s", a.Attempt, a.Status, a.Outcome))
	}
	if want := "4:200:delivered 3:429:failed 2:503:failed 1:500:failed"; strings.Join(outcomes, " ") != want {
		t.Fatalf("attempts at event %d, newest first: %s; want %s", target, strings.Join(outcomes, " "), want)
	}
	if attempts[1].Error != "answered 429 Too Many Requests" || attempts[1].Response != "answer 429 to "+coffer.EventID(target) {
		t.Errorf("a failed attempt: %+v", attempts[1])
	}
	hook, err := f.hooks.Webhook(t.Context(), w.ID)
	if err != nil || hook.Failures != 0 || hook.NextAttemptAt != nil || hook.Status != coffer.WebhookActive {
		t.Fatalf("after the recovery: %+v %v", hook, err)
	}
}

// TestDeadLetterAndReplay: an endpoint that always fails is dead-lettered after the schedule,
// with every attempt recorded; once mended, a replay from a seq delivers from there in order.
func TestDeadLetterAndReplay(t *testing.T) {
	for _, kind := range testdb.Kinds() {
		t.Run(kind.Name, func(t *testing.T) {
			t.Parallel()
			f := setup(t, kind, 10*time.Millisecond, 20*time.Millisecond)
			r := newReceiver(t)
			failing := true
			r.answer = func(int, delivery) int {
				if failing {
					return http.StatusBadGateway
				}
				return 0
			}
			w := f.create(t, r)
			last := f.deposit(t, "d", 20)
			r.waitFor("three attempts", func(got []delivery) bool { return len(got) >= 3 })
			hook := waitWebhook(t, f, w.ID, func(w coffer.Webhook) bool { return w.Status == coffer.WebhookDead })
			first := *w.ReplayAfter + 1
			if hook.DeadAt == nil || !strings.Contains(hook.DeadReason, fmt.Sprintf("3 attempts at %s failed", coffer.EventID(first))) || hook.Failures != 3 {
				t.Fatalf("dead-lettered endpoint: %+v", hook)
			}
			attempts, err := f.hooks.Attempts(t.Context(), coffer.WebhookAttemptFilter{Webhook: w.ID})
			if err != nil {
				t.Fatal(err)
			}
			if len(attempts) != 3 || attempts[0].Outcome != coffer.AttemptDead || attempts[1].Outcome != coffer.AttemptFailed ||
				attempts[0].Seq != first || attempts[0].Status != http.StatusBadGateway {
				t.Fatalf("attempts: %+v", attempts)
			}
			// Dead: the relay leaves it alone, and new events do not reach it.
			f.deposit(t, "e", 5)
			r.mu.Lock()
			failing = false
			n := len(r.got)
			r.mu.Unlock()
			if n != 3 {
				t.Fatalf("a dead endpoint got %d requests, want 3", n)
			}
			if _, err := f.hooks.Replay(t.Context(), w.ID, 0); err != nil {
				t.Fatal(err)
			}
			last += 5
			got := r.waitFor("the replay", upTo(last))
			r.checkRefused()
			checkInOrder(t, f, got, 0, last)
			hook = waitWebhook(t, f, w.ID, func(w coffer.Webhook) bool { return w.ReplayAfter == nil })
			if hook.Status != coffer.WebhookActive || hook.Failures != 0 || hook.DeadAt != nil {
				t.Fatalf("after the replay: %+v", hook)
			}
			// A replay from the middle sends the tail again, in order.
			n = len(accepted(got))
			if _, err := f.hooks.Replay(t.Context(), w.ID, last-4); err != nil {
				t.Fatal(err)
			}
			got = r.waitFor("the second replay", func(got []delivery) bool { return len(accepted(got)) == n+4 })
			var again []uint64
			for _, d := range accepted(got)[n:] {
				again = append(again, d.Seq)
			}
			if fmt.Sprint(again) != fmt.Sprint([]uint64{last - 3, last - 2, last - 1, last}) {
				t.Fatalf("replay after %d sent %v", last-4, again)
			}
		})
	}
}

// waitWebhook polls the endpoint until ok holds: its state is written by the relay's worker,
// which signals no one outside the process.
func waitWebhook(t *testing.T, f *fixture, id string, ok func(coffer.Webhook) bool) coffer.Webhook {
	t.Helper()
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	deadline := time.After(60 * time.Second)
	for {
		w, err := f.hooks.Webhook(t.Context(), id)
		if err != nil {
			t.Fatal(err)
		}
		if ok(w) {
			return w
		}
		select {
		case <-tick.C:
		case <-deadline:
			t.Fatalf("webhook %s: %+v", id, w)
		}
	}
}

// TestRedeliver sends one delivered event again on an operator's request: the receiver gets
// it, the attempt is recorded as a redelivery with the next attempt number, and the endpoint's
// cursor does not move.
func TestRedeliver(t *testing.T) {
	f := setup(t, testdb.Kinds()[0], time.Millisecond)
	r := newReceiver(t)
	w := f.create(t, r)
	last := f.deposit(t, "d", 3)
	r.waitFor("every event", upTo(last))
	f.waitCursor(t, w.ID, last)
	again := *w.ReplayAfter + 2
	a, err := f.hooks.Redeliver(t.Context(), w.ID, coffer.EventID(again))
	if err != nil {
		t.Fatal(err)
	}
	if !a.Redelivery || a.Attempt != 2 || a.Outcome != coffer.AttemptDelivered || a.Seq != again || a.ID == 0 {
		t.Fatalf("redelivery: %+v", a)
	}
	got := r.waitFor("the redelivery", func(got []delivery) bool { return len(got) == int(last-*w.ReplayAfter)+1 })
	if d := got[len(got)-1]; d.ID != coffer.EventID(again) || d.Attempt != 2 {
		t.Fatalf("redelivered: %+v", d)
	}
	stored, err := f.hooks.Attempts(t.Context(), coffer.WebhookAttemptFilter{Webhook: w.ID, EventID: coffer.EventID(again)})
	if err != nil || len(stored) != 2 || stored[0].ID != a.ID || !stored[0].Redelivery {
		t.Fatalf("stored attempts: %+v %v", stored, err)
	}
	c, err := f.store.Cursor(t.Context(), coffer.WebhookSink(w.ID))
	if err != nil || c.Seq != last {
		t.Fatalf("cursor %+v %v, want %d", c, err, last)
	}
	for _, bad := range []string{"evt_0", "evt_x", "2", "evt_02"} {
		if _, err := f.hooks.Redeliver(t.Context(), w.ID, bad); coffer.ErrorCode(err) != coffer.EINVALID {
			t.Errorf("redeliver %q: %v, want invalid", bad, err)
		}
	}
	if _, err := f.hooks.Redeliver(t.Context(), w.ID, coffer.EventID(last+100)); coffer.ErrorCode(err) != coffer.ENOTFOUND {
		t.Errorf("redeliver of an event to come: %v, want not_found", err)
	}
	if _, err := f.hooks.Redeliver(t.Context(), "wh_none", coffer.EventID(1)); coffer.ErrorCode(err) != coffer.ENOTFOUND {
		t.Errorf("redeliver to no endpoint: %v, want not_found", err)
	}
}

// TestFilterAndRotation: an endpoint sent only some event types gets exactly those; after a
// rotation each delivery is signed with the new secret and, during the grace period, the old.
func TestFilterAndRotation(t *testing.T) {
	f := setup(t, testdb.Kinds()[0], time.Millisecond)
	r := newReceiver(t)
	w := f.create(t, r, coffer.EventAccountCreated)
	last := f.deposit(t, "d", 20)
	accounts := f.count(t, *w.ReplayAfter, coffer.EventAccountCreated)
	if accounts < 7 {
		t.Fatalf("%d accounts created by deposits to 7 owners", accounts)
	}
	r.waitFor("the accounts", func(got []delivery) bool { return len(got) == accounts })
	rotated, err := f.hooks.RotateSecret(t.Context(), w.ID, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	if rotated.Secret == w.Secret || rotated.PreviousSecret != w.Secret || !strings.HasPrefix(rotated.Secret, "whsec_") {
		t.Fatalf("rotated: %+v", rotated)
	}
	r.mu.Lock()
	r.secrets = []string{rotated.Secret, w.Secret}
	r.mu.Unlock()
	if _, err := f.ledger.Do(t.Context(), ledger.Deposit{ID: "new", Owner: "newcomer", Asset: "USD", Amount: coffer.AmountFromInt64(1)}); err != nil {
		t.Fatal(err)
	}
	last = f.deposit(t, "e", 0)
	if f.count(t, *w.ReplayAfter, coffer.EventAccountCreated) <= accounts {
		t.Fatal("a deposit to a new owner created no account")
	}
	got := r.waitFor("the new account", func(got []delivery) bool { return len(got) == accounts+1 })
	r.checkRefused()
	checkInOrder(t, f, got, *w.ReplayAfter, last, coffer.EventAccountCreated)
	if m := got[len(got)-1].Matched; fmt.Sprint(m) != "[0 1]" {
		t.Fatalf("after the rotation the delivery matched secrets %v; want both, new and old", m)
	}
	for _, d := range got[:accounts] {
		if fmt.Sprint(d.Matched) != "[0]" { // the receiver held the one secret then
			t.Fatalf("before the rotation a delivery matched %v", d.Matched)
		}
	}
}

// TestChangeMidAttempt: an endpoint changed (its secret rotated) while an event's delivery is
// under way, taken by the endpoint but not yet answered, gets that event once: the attempt
// finishes and counts before the relay starts the endpoint's new revision.
func TestChangeMidAttempt(t *testing.T) {
	f := setup(t, testdb.Kinds()[0], time.Millisecond)
	r := newReceiver(t)
	r.answerHold, r.answering = make(chan struct{}), make(chan string, 16)
	w := f.create(t, r, coffer.EventAccountCreated)
	f.deposit(t, "d", 1)
	select {
	case <-r.answering:
	case <-time.After(30 * time.Second):
		t.Fatal("no delivery arrived")
	}
	rotated, err := f.hooks.RotateSecret(t.Context(), w.ID, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	r.mu.Lock()
	r.secrets = []string{rotated.Secret, w.Secret}
	close(r.answerHold)
	r.answerHold = nil
	r.mu.Unlock()
	if _, err := f.ledger.Do(t.Context(), ledger.Deposit{ID: "new", Owner: "newcomer", Asset: "USD", Amount: coffer.AmountFromInt64(1)}); err != nil {
		t.Fatal(err)
	}
	last := f.deposit(t, "e", 0)
	accounts := f.count(t, *w.ReplayAfter, coffer.EventAccountCreated)
	got := r.waitFor("every account", func(got []delivery) bool { return len(got) >= accounts })
	checkInOrder(t, f, got, *w.ReplayAfter, last, coffer.EventAccountCreated)
}

// TestSlowEndpointHoldsUpNoOne: an endpoint that never answers holds up neither another
// endpoint nor the ledger's writes.
func TestSlowEndpointHoldsUpNoOne(t *testing.T) {
	f := setup(t, testdb.Kinds()[0], time.Hour)
	stuck, free := newReceiver(t), newReceiver(t)
	stuck.hold = make(chan struct{})
	sw := f.create(t, stuck)
	fw := f.create(t, free)
	last := f.deposit(t, "d", 200)
	got := free.waitFor("every event", upTo(last))
	checkInOrder(t, f, got, *fw.ReplayAfter, last)
	// The stuck endpoint's first attempt ran out of time and waits for its next.
	hook := waitWebhook(t, f, sw.ID, func(w coffer.Webhook) bool { return w.Failures == 1 })
	attempts, err := f.hooks.Attempts(t.Context(), coffer.WebhookAttemptFilter{Webhook: sw.ID})
	if err != nil || len(attempts) != 1 || attempts[0].Error != "no answer within 2s" || attempts[0].Status != 0 || hook.NextAttemptAt == nil {
		t.Fatalf("stuck endpoint %+v, attempts %+v %v", hook, attempts, err)
	}
}
