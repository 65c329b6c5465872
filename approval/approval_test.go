package approval_test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/cofferhq/coffer"
	"github.com/cofferhq/coffer/approval"
	"github.com/cofferhq/coffer/internal/testdb"
)

// TestDecisions on each store: one request per id (the same body again answers it, another is
// a conflict); the asking key may not approve; a decision stands, answered again to the same
// key and refused to any other, naming who decided and when; a rejection needs a reason.
func TestDecisions(t *testing.T) {
	for _, kind := range testdb.Kinds() {
		t.Run(kind.Name, func(t *testing.T) {
			t.Parallel()
			s := kind.Open(t).(coffer.ApprovalStore)
			now := time.Date(2026, 12, 6, 4, 0, 0, 0, time.UTC)
			svc := approval.New(approval.Config{Store: s, Now: func() time.Time { return now }})
			ctx := t.Context()
			body := json.RawMessage(`{"id":"adj-1","amount":"5.00"}`)
			a, created, err := svc.Request(ctx, coffer.ApprovalKindAdjustment, "adj-1", body, "maker")
			if err != nil || !created || a.Status != coffer.ApprovalWaiting || a.RequestedBy != "maker" || !a.RequestedAt.Equal(now) {
				t.Fatalf("Request: %+v %v %v", a, created, err)
			}
			now = now.Add(time.Minute)
			if b, created, err := svc.Request(ctx, coffer.ApprovalKindAdjustment, "adj-1", body, "other"); err != nil || created || b.RequestedBy != "maker" {
				t.Fatalf("Request again: %+v %v %v", b, created, err)
			}
			_, _, err = svc.Request(ctx, coffer.ApprovalKindAdjustment, "adj-1", json.RawMessage(`{"id":"adj-1","amount":"6.00"}`), "maker")
			wantCode(t, err, coffer.ECONFLICT)

			_, err = svc.Approve(ctx, "adj-1", "maker")
			wantCode(t, err, coffer.EFORBIDDEN)
			ok, err := svc.Approve(ctx, "adj-1", "checker")
			if err != nil || ok.Status != coffer.ApprovalApproved || ok.DecidedBy != "checker" || !ok.DecidedAt.Equal(now) {
				t.Fatalf("Approve: %+v %v", ok, err)
			}
			now = now.Add(time.Minute)
			if again, err := svc.Approve(ctx, "adj-1", "checker"); err != nil || !again.DecidedAt.Equal(*ok.DecidedAt) {
				t.Fatalf("Approve again: %+v %v", again, err)
			}
			_, err = svc.Approve(ctx, "adj-1", "third")
			wantCode(t, err, coffer.ECONFLICT)
			_, err = svc.Reject(ctx, "adj-1", "checker", "changed my mind")
			wantCode(t, err, coffer.ECONFLICT)
			_, err = svc.Approve(ctx, "adj-9", "checker")
			wantCode(t, err, coffer.ENOTFOUND)

			if _, _, err := svc.Request(ctx, coffer.ApprovalKindAdjustment, "adj-2", body, "maker"); err != nil {
				t.Fatal(err)
			}
			_, err = svc.Reject(ctx, "adj-2", "maker", "")
			wantCode(t, err, coffer.EINVALID)
			r, err := svc.Reject(ctx, "adj-2", "maker", "withdrawn")
			if err != nil || r.Status != coffer.ApprovalRejected || r.Reason != "withdrawn" {
				t.Fatalf("Reject: %+v %v", r, err)
			}
			if _, err := svc.Reject(ctx, "adj-2", "maker", "withdrawn"); err != nil {
				t.Fatalf("Reject again: %v", err)
			}
			_, err = svc.Approve(ctx, "adj-2", "checker")
			wantCode(t, err, coffer.ECONFLICT)
			_, err = svc.List(ctx, coffer.ApprovalFilter{Status: "maybe"})
			wantCode(t, err, coffer.EINVALID)
		})
	}
}

func wantCode(t *testing.T, err error, code string) {
	t.Helper()
	if got := coffer.ErrorCode(err); got != code {
		t.Fatalf("error %v: code %q, want %q", err, got, code)
	}
}
