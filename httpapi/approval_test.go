package httpapi_test

import (
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/cofferhq/coffer"
	"github.com/cofferhq/coffer/approval"
	"github.com/cofferhq/coffer/client"
	"github.com/cofferhq/coffer/httpapi"
	"github.com/cofferhq/coffer/internal/testdb"
)

// TestApprovals runs maker-checker through the real server on each store: an adjustment is a
// request, applied once when a second admin key approves it; self-approval is refused; a
// rejected request applies nothing; a second decision answers the same or is a conflict; raw
// admin money moves are refused; the listing puts the waiting first and pages; every step is
// an event naming its keys; and the ledger verifies clean.
func TestApprovals(t *testing.T) {
	for _, kind := range testdb.Kinds() {
		t.Run(kind.Name, func(t *testing.T) {
			t.Parallel()
			e := setupWith(t, kind.Open(t), func(c *httpapi.Config) { c.ApprovalsRequired = true })
			ctx := context.Background()
			checkerKey, err := e.admin.CreateKey(ctx, client.CreateKeyRequest{Name: "checker", Role: "admin"})
			if err != nil {
				t.Fatal(err)
			}
			thirdKey, err := e.admin.CreateKey(ctx, client.CreateKeyRequest{Name: "third", Role: "admin"})
			if err != nil {
				t.Fatal(err)
			}
			checker, third := client.New(e.url, checkerKey.Secret), client.New(e.url, thirdKey.Secret)
			e.deposit("d1", "alice", "USD", "10.00")

			adj := client.AdjustmentRequest{ID: "adj-1", AccountID: "wallet:alice:USD", Direction: "credit", Amount: "5.00", Reason: "goodwill"}
			res, err := e.admin.Adjust(ctx, adj)
			if err != nil {
				t.Fatal(err)
			}
			if res.Approval == nil || res.Approval.Status != "waiting" || res.Approval.RequestedBy != "bootstrap-admin" || res.Transfer.ID != "" {
				t.Fatalf("adjustment with approvals on: %+v", res)
			}
			again, err := e.admin.Adjust(ctx, adj)
			if err != nil || again.Approval == nil || again.Approval.RequestedAt != res.Approval.RequestedAt {
				t.Fatalf("the same request again: %+v %v", again, err)
			}
			other := adj
			other.Amount = "6.00"
			_, err = e.admin.Adjust(ctx, other)
			wantCode(t, err, coffer.ECONFLICT)
			e.wantBalance("alice", "USD", "10.00", "10.00", "0.00", "0.00")

			// The key that asked may not approve.
			_, err = e.admin.Approve(ctx, "adj-1")
			wantCode(t, err, coffer.EFORBIDDEN)
			e.wantBalance("alice", "USD", "10.00", "10.00", "0.00", "0.00")

			ok, err := checker.Approve(ctx, "adj-1")
			if err != nil {
				t.Fatal(err)
			}
			if ok.Status != "approved" || ok.DecidedBy != checkerKey.Key.ID || ok.DecidedAt == nil || ok.Transfer == nil || ok.Error != nil {
				t.Fatalf("approved: %+v", ok)
			}
			if m := ok.Transfer.Metadata; m["by_key_id"] != "bootstrap-admin" || m["approved_by_key_id"] != checkerKey.Key.ID || m["reason"] != "goodwill" {
				t.Fatalf("the transfer's metadata: %v", m)
			}
			e.wantBalance("alice", "USD", "15.00", "15.00", "0.00", "0.00")
			// Approving again with the same key answers the same; another key's is a conflict.
			same, err := checker.Approve(ctx, "adj-1")
			if err != nil || same.DecidedAt == nil || *same.DecidedAt != *ok.DecidedAt || same.Transfer == nil || same.Transfer.ID != ok.Transfer.ID {
				t.Fatalf("approved again: %+v %v", same, err)
			}
			_, err = third.Approve(ctx, "adj-1")
			wantCode(t, err, coffer.ECONFLICT)
			_, err = third.Reject(ctx, "adj-1", client.RejectApprovalRequest{Reason: "too late"})
			wantCode(t, err, coffer.ECONFLICT)
			e.wantBalance("alice", "USD", "15.00", "15.00", "0.00", "0.00")

			// Rejected: nothing applied, ever.
			rej := client.AdjustmentRequest{ID: "adj-2", AccountID: "wallet:alice:USD", Direction: "debit", Amount: "1.00", Reason: "fee"}
			if _, err := checker.Adjust(ctx, rej); err != nil {
				t.Fatal(err)
			}
			_, err = e.admin.Reject(ctx, "adj-2", client.RejectApprovalRequest{Reason: " "})
			wantCode(t, err, coffer.EINVALID)
			r, err := e.admin.Reject(ctx, "adj-2", client.RejectApprovalRequest{Reason: "not owed"})
			if err != nil || r.Status != "rejected" || r.Reason != "not owed" || r.DecidedBy != "bootstrap-admin" || r.Transfer != nil {
				t.Fatalf("rejected: %+v %v", r, err)
			}
			_, err = third.Approve(ctx, "adj-2")
			wantCode(t, err, coffer.ECONFLICT)
			_, err = e.reader.Transfer(ctx, "adj-2")
			wantCode(t, err, coffer.ENOTFOUND)
			e.wantBalance("alice", "USD", "15.00", "15.00", "0.00", "0.00")

			// Approved, but refused by the money rules: the refusal is the answer, each time.
			big := client.AdjustmentRequest{ID: "adj-3", AccountID: "wallet:alice:USD", Direction: "debit", Amount: "99.00", Reason: "chargeback"}
			if _, err := e.admin.Adjust(ctx, big); err != nil {
				t.Fatal(err)
			}
			for range 2 {
				got, err := third.Approve(ctx, "adj-3")
				if err != nil || got.Status != "approved" || got.Error == nil || got.Error.Code != coffer.EINSUFFICIENTFUNDS || got.Transfer != nil {
					t.Fatalf("approved and refused: %+v %v", got, err)
				}
			}
			if got, err := e.reader.Balances(ctx, "alice"); err != nil || got.Balances[0].Balance != "15.00" {
				t.Fatalf("after a refused move: %+v %v", got, err)
			}

			// A raw transfer that only an admin may send is refused while approvals are on.
			_, err = e.admin.CreateTransfer(ctx, client.TransferRequest{ID: "raw-1", DebitAccountID: "system:world:USD",
				CreditAccountID: "wallet:alice:USD", Amount: "1.00", Type: "deposit"})
			wantCode(t, err, coffer.EFORBIDDEN)

			// The listing: the waiting first, then the decided, newest first; paged.
			if _, err := e.admin.Adjust(ctx, client.AdjustmentRequest{ID: "adj-4", AccountID: "wallet:alice:USD",
				Direction: "credit", Amount: "0.01", Reason: "rounding"}); err != nil {
				t.Fatal(err)
			}
			var ids []string
			q := client.ApprovalsQuery{Limit: 1}
			for {
				p, err := e.admin.Approvals(ctx, q)
				if err != nil {
					t.Fatal(err)
				}
				for _, a := range p.Approvals {
					ids = append(ids, a.ID)
				}
				if !p.HasMore {
					break
				}
				q.Cursor = p.NextCursor
			}
			if want := []string{"adj-4", "adj-3", "adj-2", "adj-1"}; !slices.Equal(ids, want) {
				t.Fatalf("listing %v, want %v", ids, want)
			}
			if p, err := e.admin.Approvals(ctx, client.ApprovalsQuery{Status: "rejected"}); err != nil || len(p.Approvals) != 1 || p.Approvals[0].ID != "adj-2" {
				t.Fatalf("rejected ones: %+v %v", p, err)
			}
			_, err = e.admin.Approvals(ctx, client.ApprovalsQuery{Status: "maybe"})
			wantCode(t, err, coffer.EINVALID)
			_, err = e.operator.Approvals(ctx, client.ApprovalsQuery{})
			wantCode(t, err, coffer.EFORBIDDEN)
			_, err = e.admin.Approval(ctx, "nope")
			wantCode(t, err, coffer.ENOTFOUND)
			if got, err := e.reader.Transfer(ctx, "adj-1"); err != nil || got.Metadata["approved_by_key_id"] != checkerKey.Key.ID {
				t.Fatalf("adj-1: %+v %v", got, err)
			}
			if a, err := e.admin.Approval(ctx, "adj-1"); err != nil || a.Transfer == nil {
				t.Fatalf("get adj-1: %+v %v", a, err)
			}

			// The events: each step once, with its keys; the keys' changes too.
			count := map[string]int{}
			var after uint64
			for {
				p, err := e.reader.Events(ctx, after, coffer.PageSizeMax)
				if err != nil {
					t.Fatal(err)
				}
				for _, ev := range p.Events {
					count[ev.Type]++
					switch ev.Type {
					case coffer.EventApprovalApproved:
						var n approval.Notice
						json.Unmarshal(ev.Data, &n)
						if n.ID == "adj-1" && (n.DecidedBy != checkerKey.Key.ID || ev.Subject != "adj-1") {
							t.Errorf("approval.approved: %s", ev.Data)
						}
					case coffer.EventKeyCreated:
						var n coffer.KeyNotice
						json.Unmarshal(ev.Data, &n)
						if n.ByKeyID != "bootstrap-admin" || n.ID == "" {
							t.Errorf("key.created: %s", ev.Data)
						}
					}
				}
				if !p.HasMore {
					break
				}
				after = p.NextAfter
			}
			want := map[string]int{coffer.EventApprovalRequested: 4, coffer.EventApprovalApproved: 2,
				coffer.EventApprovalRejected: 1, coffer.EventKeyCreated: 4}
			for typ, n := range want {
				if count[typ] != n {
					t.Errorf("%d %s events, want %d (all: %v)", count[typ], typ, n, count)
				}
			}
			rep, err := e.admin.Verify(ctx)
			if err != nil || !rep.OK {
				t.Fatalf("verify: %+v %v", rep, err)
			}
		})
	}
}

// TestKeyEvents: creating and revoking a key are events naming the admin key that did it,
// never a secret; revoking again writes no second event.
func TestKeyEvents(t *testing.T) {
	e := setup(t)
	ctx := context.Background()
	k, err := e.admin.CreateKey(ctx, client.CreateKeyRequest{Name: "temp", Role: "reader"})
	if err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if _, err := e.admin.RevokeKey(ctx, k.Key.ID); err != nil {
			t.Fatal(err)
		}
	}
	status, body := e.raw("GET", "/v1/events?limit=1000", adminKey, "")
	if status != http.StatusOK {
		t.Fatalf("events: %d %s", status, body)
	}
	var page client.EventPage
	if err := json.Unmarshal(body, &page); err != nil {
		t.Fatal(err)
	}
	revoked := 0
	for _, ev := range page.Events {
		if ev.Subject != k.Key.ID {
			continue
		}
		var n coffer.KeyNotice
		if err := json.Unmarshal(ev.Data, &n); err != nil {
			t.Fatal(err)
		}
		if n.ByKeyID != "bootstrap-admin" || n.Role != coffer.RoleReader || n.Name != "temp" {
			t.Errorf("%s: %s", ev.Type, ev.Data)
		}
		if ev.Type == coffer.EventKeyRevoked {
			revoked++
			if n.RevokedAt == nil {
				t.Errorf("key.revoked without revoked_at: %s", ev.Data)
			}
		}
		if strings.Contains(string(ev.Data), k.Secret) {
			t.Errorf("the secret is in the event: %s", ev.Data)
		}
	}
	if revoked != 1 {
		t.Errorf("%d key.revoked events, want 1", revoked)
	}
}
