package httpapi_test

import (
	"context"
	"net/http"
	"slices"
	"testing"

	"github.com/cofferhq/coffer/client"
)

func TestPending(t *testing.T) {
	t.Parallel()
	e := setup(t)
	ctx := context.Background()
	e.deposit("d-1", "alice", "USD", "100.00")
	for _, h := range []struct {
		id      string
		timeout int64
	}{{"h-30", 30}, {"h-10", 10}, {"h-20", 20}} {
		if _, err := e.operator.Hold(ctx, client.HoldRequest{ID: h.id, Owner: "alice", Asset: "USD", Amount: "1.00", TimeoutSeconds: h.timeout}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := e.operator.Withdraw(ctx, client.WithdrawalRequest{ID: "w-15", Owner: "alice", Asset: "USD", Amount: "2.00",
		Destination: "bank", TimeoutSeconds: 15}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.operator.ReleaseHold(ctx, "h-20", client.VoidRequest{}); err != nil {
		t.Fatal(err)
	}
	ids := func(p *client.TransferPage) []string {
		var out []string
		for _, t := range p.Transfers {
			out = append(out, t.ID)
		}
		return out
	}
	// Soonest to expire first; the released hold is no longer pending.
	p, err := e.reader.Pending(ctx, client.PendingQuery{})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := ids(p), []string{"h-10", "w-15", "h-30"}; !slices.Equal(got, want) || p.HasMore {
		t.Errorf("pending %v (more %v), want %v", got, p.HasMore, want)
	}
	p, err = e.reader.Pending(ctx, client.PendingQuery{Type: "hold", Limit: 1})
	if err != nil {
		t.Fatal(err)
	}
	if got := ids(p); !slices.Equal(got, []string{"h-10"}) || !p.HasMore {
		t.Fatalf("first page of holds %v (more %v)", got, p.HasMore)
	}
	p, err = e.reader.Pending(ctx, client.PendingQuery{Type: "hold", Limit: 1, Cursor: p.NextCursor})
	if err != nil {
		t.Fatal(err)
	}
	if got := ids(p); !slices.Equal(got, []string{"h-30"}) || p.HasMore {
		t.Errorf("second page of holds %v (more %v)", got, p.HasMore)
	}
	for _, q := range []string{"?type=nope", "?limit=0", "?cursor=zz", "?order=desc"} {
		if status, body := e.raw("GET", "/v1/pending"+q, e.readerKey, ""); status != http.StatusBadRequest {
			t.Errorf("GET /v1/pending%s: %d %s, want 400", q, status, body)
		}
	}
}
