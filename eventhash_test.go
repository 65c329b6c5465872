package coffer_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"testing"
	"time"

	"github.com/cofferhq/coffer"
)

func chainEventSample() coffer.Event {
	return coffer.Event{Seq: 1234, ID: coffer.EventID(1234), Type: coffer.EventTransferCreated, Subject: "pay-1",
		Data: []byte(`{"id":"pay-1","debit_account_id":"wallet:alice:USD","credit_account_id":"merchant:shop:USD",` +
			`"asset":"USD","amount":"1200","type":"payment","state":"posted","posted_amount":"1200","refunded":"0",` +
			`"created_at":"2026-12-06T02:00:00.123456Z"}`),
		CreatedAt: time.Date(2026, 12, 6, 2, 0, 0, 123456000, time.UTC)}
}

// TestChainEvent checks that the hash changes with every field and with the previous hash, and
// that moving bytes from one field to the next changes it too: the encoding is unambiguous.
func TestChainEvent(t *testing.T) {
	base := chainEventSample()
	h := coffer.ChainEvent(coffer.EventHashZero, &base)
	prev := coffer.EventHashZero
	prev[31] = 1
	for name, change := range map[string]func(e *coffer.Event){
		"seq":        func(e *coffer.Event) { e.Seq++ },
		"id":         func(e *coffer.Event) { e.ID += "x" },
		"type":       func(e *coffer.Event) { e.Type = coffer.EventTransferPosted },
		"subject":    func(e *coffer.Event) { e.Subject = "pay-2" },
		"data":       func(e *coffer.Event) { e.Data = append([]byte(nil), e.Data...); e.Data[10] = 'X' },
		"created_at": func(e *coffer.Event) { e.CreatedAt = e.CreatedAt.Add(time.Microsecond) },
		"a byte from subject to type": func(e *coffer.Event) {
			e.Type, e.Subject = e.Type+e.Subject[:1], e.Subject[1:]
		},
	} {
		e := chainEventSample()
		change(&e)
		if coffer.ChainEvent(coffer.EventHashZero, &e) == h {
			t.Errorf("changing %s leaves the hash", name)
		}
	}
	if coffer.ChainEvent(prev, &base) == h {
		t.Error("another previous hash leaves the hash")
	}
	if again := coffer.ChainEvent(coffer.EventHashZero, &base); again != h {
		t.Errorf("the same event hashes to %s and %s", h, again)
	}
	head := coffer.ChainHead{Seq: 1234, Hash: h}
	got, err := coffer.ParseChainHead(" " + head.String() + "\n")
	if err != nil || got != head {
		t.Errorf("ParseChainHead(%q) = %v, %v", head.String(), got, err)
	}
	for _, bad := range []string{"", "12", "x " + h.String(), "12 " + h.String()[:63], "12 zz" + h.String()[2:]} {
		if _, err := coffer.ParseChainHead(bad); err == nil {
			t.Errorf("ParseChainHead(%q) took it", bad)
		}
	}
}

// TestChainEventEncoding checks ChainEvent against the encoding its documentation gives, built
// here field by field, for an event that fits ChainEvent's buffer on the stack and for ones of
// that size and larger, which it encodes on the heap.
func TestChainEventEncoding(t *testing.T) {
	prev := coffer.EventHashZero
	prev[0], prev[31] = 7, 9
	for _, size := range []int{0, 300, 900, 1023, 1024, 5000} {
		e := chainEventSample()
		e.Data = bytes.Repeat([]byte("d"), size)
		var b []byte
		b = append(b, "coffer.event.v1"...)
		b = append(b, prev[:]...)
		b = binary.BigEndian.AppendUint64(b, e.Seq)
		for _, f := range []string{e.ID, e.Type, e.Subject, string(e.Data)} {
			b = binary.BigEndian.AppendUint32(b, uint32(len(f)))
			b = append(b, f...)
		}
		b = binary.BigEndian.AppendUint64(b, uint64(e.CreatedAt.UnixMicro()))
		if got, want := coffer.ChainEvent(prev, &e), coffer.EventHash(sha256.Sum256(b)); got != want {
			t.Errorf("data of %d bytes: ChainEvent = %s, the documented encoding hashes to %s", size, got, want)
		}
	}
}

// BenchmarkChainEvent is the write path's cost per event of the chain: one hash of a payment's
// transfer.created event.
func BenchmarkChainEvent(b *testing.B) {
	e := chainEventSample()
	var h coffer.EventHash
	for b.Loop() {
		h = coffer.ChainEvent(h, &e)
	}
}
