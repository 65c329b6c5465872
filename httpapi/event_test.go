package httpapi_test

import (
	"context"
	"encoding/json"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/cofferhq/coffer"
	"github.com/cofferhq/coffer/client"
	"github.com/cofferhq/coffer/httpapi"
	"github.com/cofferhq/coffer/internal/broadcast"
	"github.com/cofferhq/coffer/internal/testdb"
	"github.com/cofferhq/coffer/ledger"
)

// TestEventsLongPoll follows the event stream with wait=: a request waiting past the last event
// is answered with the next commit's events, woken by this process's commit signal (the poll
// for other processes' commits is set to an hour, so only the signal can wake it) or by that
// poll when the commit came through another ledger on the same database.
func TestEventsLongPoll(t *testing.T) {
	t.Parallel()
	store := testdb.SQLite(t)
	signal := new(broadcast.Signal)
	l := ledger.New(store, ledger.Config{Committed: signal.Notify})
	t.Cleanup(func() { l.Close() })
	other := ledger.New(store, ledger.Config{}) // as another process would: no signal here
	t.Cleanup(func() { other.Close() })
	ctx := context.Background()
	if _, err := l.Do(ctx, ledger.CreateAsset{Code: "USD", Scale: 2}); err != nil {
		t.Fatal(err)
	}
	follow := func(poll time.Duration, via *ledger.Ledger, id string) {
		srv := httptest.NewServer(httpapi.New(httpapi.Config{Ledger: l, AdminKey: adminKey, Committed: signal, EventPoll: poll}))
		defer srv.Close()
		c := client.New(srv.URL, adminKey)
		last, err := store.(coffer.CursorStore).LastEventSeq(ctx)
		if err != nil {
			t.Fatal(err)
		}
		got := make(chan *client.EventPage, 1)
		go func() {
			p, err := c.WaitEvents(ctx, last, 0, 25*time.Second)
			if err != nil {
				t.Error(err)
			}
			got <- p
		}()
		if _, err := via.Do(ctx, ledger.Deposit{ID: id, Owner: "alice", Asset: "USD", Amount: coffer.AmountFromInt64(100)}); err != nil {
			t.Fatal(err)
		}
		p := <-got
		if p == nil || len(p.Events) == 0 || p.Events[0].Seq != last+1 {
			t.Fatalf("long poll after %d: %+v", last, p)
		}
		// Nothing after the newest: an empty page once the wait has passed.
		p, err = c.WaitEvents(ctx, p.Events[len(p.Events)-1].Seq+100, 0, 50*time.Millisecond)
		if err != nil || len(p.Events) != 0 || p.HasMore {
			t.Fatalf("long poll with nothing to come: %+v %v", p, err)
		}
	}
	follow(time.Hour, l, "d-1")
	follow(10*time.Millisecond, other, "d-2")
}

func TestEventsWaitInvalid(t *testing.T) {
	t.Parallel()
	e := setup(t)
	for _, wait := range []string{"31s", "-1s", "soon", "1"} {
		status, body := e.raw("GET", "/v1/events?wait="+wait, e.readerKey, "")
		var er struct{ Error client.ErrorBody }
		json.Unmarshal(body, &er)
		if status != 400 || er.Error.Code != coffer.EINVALID || er.Error.Param != "wait" {
			t.Errorf("wait=%s: %d %s", wait, status, body)
		}
	}
}

// TestDutiesAndSinks lists the duties and sinks: admin only; with no duty claimed and no sink
// configured, empty lists.
func TestDutiesAndSinks(t *testing.T) {
	t.Parallel()
	e := setup(t)
	ctx := context.Background()
	if _, err := e.reader.Duties(ctx); coffer.ErrorCode(err) != coffer.EFORBIDDEN {
		t.Errorf("duties as reader: %v", err)
	}
	if _, err := e.operator.Sinks(ctx); coffer.ErrorCode(err) != coffer.EFORBIDDEN {
		t.Errorf("sinks as operator: %v", err)
	}
	ls := e.store.(coffer.LeaseStore)
	if _, _, err := ls.ClaimLease(ctx, "relay", "host/1/ab", time.Minute, []byte(`{"cursors":{"x":3}}`)); err != nil {
		t.Fatal(err)
	}
	d, err := e.admin.Duties(ctx)
	if err != nil || len(d.Duties) != 1 || d.Duties[0].Name != "relay" || !d.Duties[0].Held || d.Duties[0].Holder != "host/1/ab" ||
		d.Duties[0].Token != 1 || string(d.Duties[0].Progress) != `{"cursors":{"x":3}}` {
		t.Errorf("duties: %+v %v", d, err)
	}
	s, err := e.admin.Sinks(ctx)
	if err != nil || s.Sinks == nil || len(s.Sinks) != 0 {
		t.Errorf("sinks: %+v %v", s, err)
	}
}
