package storetest

import (
	"testing"
	"time"

	"github.com/cofferhq/coffer"
)

// testPaymentQueue checks the payment-queue contract's requests (one per queue_id, found by
// their transfer, their final notice stored once) and registered addresses (one per chain and address whatever its case).
func testPaymentQueue(t *testing.T, s coffer.Store) {
	ctx := t.Context()
	ps, ok := s.(coffer.PaymentQueueStore)
	if !ok {
		t.Fatalf("%T does not implement coffer.PaymentQueueStore", s)
	}
	now := time.Now().UTC().Truncate(time.Microsecond)
	r := coffer.PaymentQueueRequest{QueueID: "withdraw_123", Kind: "withdraw", Fingerprint: "f1",
		TransferID: "pq-withdraw_123", Data: []byte(`{"amount":"50.0"}`), CreatedAt: now}
	got, created, err := ps.PutPaymentQueueRequest(ctx, r)
	if err != nil || !created {
		t.Fatalf("PutPaymentQueueRequest: created %t, %v", created, err)
	}
	again, created, err := ps.PutPaymentQueueRequest(ctx, coffer.PaymentQueueRequest{QueueID: "withdraw_123", Kind: "pay",
		Fingerprint: "f2", TransferID: "other", Data: []byte(`{}`), CreatedAt: now.Add(time.Second)})
	if err != nil || created {
		t.Fatalf("PutPaymentQueueRequest again: created %t, %v", created, err)
	}
	for _, x := range []coffer.PaymentQueueRequest{got, again} {
		if x.QueueID != r.QueueID || x.Kind != r.Kind || x.Fingerprint != r.Fingerprint || x.TransferID != r.TransferID ||
			string(x.Data) != string(r.Data) || !x.CreatedAt.Equal(now) {
			t.Errorf("stored request %+v, want %+v", x, r)
		}
	}
	byID, err := ps.PaymentQueueRequest(ctx, "withdraw_123")
	if err != nil || byID.TransferID != r.TransferID {
		t.Errorf("PaymentQueueRequest: %+v, %v", byID, err)
	}
	_, err = ps.PaymentQueueRequest(ctx, "nope")
	wantCode(t, "PaymentQueueRequest of an unknown queue_id", err, coffer.ENOTFOUND)
	byTransfer, err := ps.PaymentQueueRequestByTransfer(ctx, "pq-withdraw_123")
	if err != nil || byTransfer.QueueID != r.QueueID {
		t.Errorf("PaymentQueueRequestByTransfer: %+v, %v", byTransfer, err)
	}
	_, err = ps.PaymentQueueRequestByTransfer(ctx, "nope")
	wantCode(t, "PaymentQueueRequestByTransfer of an unknown transfer", err, coffer.ENOTFOUND)

	if byID.NoticeID != "" || byID.Notice != nil {
		t.Errorf("a request without its final notice has one: %q %q", byID.NoticeID, byID.Notice)
	}
	const body = `{"id":"evt_7","queue_id":"withdraw_123","status":1}`
	withNotice, err := ps.PutPaymentQueueNotice(ctx, "withdraw_123", "evt_7", []byte(body))
	if err != nil || withNotice.NoticeID != "evt_7" || string(withNotice.Notice) != body || withNotice.QueueID != r.QueueID {
		t.Fatalf("PutPaymentQueueNotice: %+v, %v", withNotice, err)
	}
	// A second notice, as a relay repeating the event after a crash might build, leaves the
	// first one stored.
	kept, err := ps.PutPaymentQueueNotice(ctx, "withdraw_123", "evt_8", []byte(`{"id":"evt_8"}`))
	if err != nil || kept.NoticeID != "evt_7" || string(kept.Notice) != body {
		t.Errorf("PutPaymentQueueNotice again: %+v, %v", kept, err)
	}
	byID, err = ps.PaymentQueueRequest(ctx, "withdraw_123")
	if err != nil || byID.NoticeID != "evt_7" || string(byID.Notice) != body || string(byID.Data) != string(r.Data) {
		t.Errorf("PaymentQueueRequest after the notice: %+v, %v", byID, err)
	}
	byTransfer, err = ps.PaymentQueueRequestByTransfer(ctx, "pq-withdraw_123")
	if err != nil || byTransfer.NoticeID != "evt_7" || string(byTransfer.Notice) != body {
		t.Errorf("PaymentQueueRequestByTransfer after the notice: %+v, %v", byTransfer, err)
	}
	_, err = ps.PutPaymentQueueNotice(ctx, "nope", "evt_9", []byte(`{}`))
	wantCode(t, "PutPaymentQueueNotice of an unknown queue_id", err, coffer.ENOTFOUND)

	const lower = "0x4e5b2e1dc63f6b91cb6cd759936495434c7e972f"
	w, err := ps.PutPaymentQueueWatch(ctx, coffer.PaymentQueueWatch{Chain: "dev", Address: lower, Owner: "u1", Symbol: "USDT", CreatedAt: now})
	if err != nil || w.Address != lower || w.Owner != "u1" || !w.CreatedAt.Equal(now) {
		t.Fatalf("PutPaymentQueueWatch: %+v, %v", w, err)
	}
	const checksummed = "0x4E5B2e1dc63F6b91cb6Cd759936495434C7e972F"
	w, err = ps.PutPaymentQueueWatch(ctx, coffer.PaymentQueueWatch{Chain: "dev", Address: checksummed, Owner: "u1", Symbol: "USDT",
		CreatedAt: now.Add(time.Hour)})
	if err != nil || w.Address != checksummed || !w.CreatedAt.Equal(now) {
		t.Fatalf("PutPaymentQueueWatch in another case: %+v, %v", w, err)
	}
	w, err = ps.PaymentQueueWatch(ctx, "dev", "0x4E5B2E1DC63F6B91CB6CD759936495434C7E972F")
	if err != nil || w.Address != checksummed || w.Symbol != "USDT" || w.Chain != "dev" {
		t.Errorf("PaymentQueueWatch: %+v, %v", w, err)
	}
	_, err = ps.PaymentQueueWatch(ctx, "other", lower)
	wantCode(t, "PaymentQueueWatch on another chain", err, coffer.ENOTFOUND)
}
