package inbox_test

import (
	"maps"
	"sync"
	"testing"

	"github.com/cofferhq/coffer/inbox"
)

// TestHandled: the Handled hook is told what became of each message, once, before its reply is
// sent: a deposit applied, a withdrawal from an empty wallet refused, a malformed message and a
// command of an unknown type dead-lettered.
func TestHandled(t *testing.T) {
	t.Parallel()
	w := sqliteWorld(t)
	b, addrs := newKafkaBroker(t)
	var mu sync.Mutex
	counts := map[string]int{}
	startKafkaConsumer(t, w, inbox.KafkaConfig{Brokers: addrs, Topic: b.topic, ReplyTopic: b.topic + ".replies",
		DeadLetterTopic: b.topic + ".dead", Group: b.topic, Logger: testLogger(),
		Handled: func(outcome string) {
			mu.Lock()
			defer mu.Unlock()
			counts[outcome]++
		}})
	for _, m := range []struct {
		id     string
		msg    []byte
		status int
	}{
		{"dep", command("dep", "deposit", "", `{"owner":"alice","asset":"USD","amount":"2.50"}`), 201},
		{"broke", command("broke", "withdrawal", "", `{"owner":"bob","asset":"USD","amount":"1","destination":"bank"}`), 402},
		{"malformed", []byte(`{"id":"m1","type":"deposit",`), 400},
		{"unknown", command("unknown", "teleport", "", `{}`), 400},
		{"dep", command("dep", "deposit", "", `{"owner":"alice","asset":"USD","amount":"2.50"}`), 201}, // a replay is applied as the first was
	} {
		if r := exchange(t, b, m.id, m.msg, nil); r.status != m.status {
			t.Fatalf("%s: %d %s, want %d", m.id, r.status, r.body, m.status)
		}
	}
	mu.Lock()
	defer mu.Unlock()
	want := map[string]int{inbox.HandledApplied: 2, inbox.HandledRefused: 1, inbox.HandledDeadLettered: 2}
	if !maps.Equal(counts, want) {
		t.Errorf("handled %v, want %v", counts, want)
	}
}
