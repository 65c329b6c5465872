package storetest

import (
	"errors"
	"fmt"
	"math/big"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/cofferhq/coffer"
)

func sendStore(t *testing.T, s coffer.Store) interface {
	coffer.SendStore
	coffer.LeaseStore
} {
	t.Helper()
	ss, ok := s.(interface {
		coffer.SendStore
		coffer.LeaseStore
	})
	if !ok {
		t.Fatalf("%T does not implement coffer.SendStore and coffer.LeaseStore", s)
	}
	return ss
}

const (
	sendFrom = "0x00000000000000000000000000000000000000aa"
	sendTo   = "0x00000000000000000000000000000000000000bb"
)

func sendIntent(id string, amount *big.Int, at time.Time) coffer.SendIntent {
	return coffer.SendIntent{ID: id, Chain: "dev", From: sendFrom, To: sendTo, Asset: "ETH", Amount: amount, CreatedAt: at}
}

func sendAttempt(id string, nonce uint64, n int) coffer.SendAttempt {
	return coffer.SendAttempt{
		TxHash: fmt.Sprintf("0x%064x", n), IntentID: id, Chain: "dev", From: sendFrom, Nonce: nonce,
		Raw: []byte{0x02, byte(n)}, GasFeeCap: big.NewInt(int64(30_000_000_000 + n)), GasTipCap: big.NewInt(int64(n)),
		Gas: 21_000,
	}
}

// testSendIntents checks an intent's life in the store: created queued with an exact amount past
// 64 bits, a taken id, the listing by state in creation order, the move to waiting and back.
func testSendIntents(t *testing.T, s coffer.Store) {
	ctx := t.Context()
	ss := sendStore(t, s)
	l, _, err := ss.ClaimLease(ctx, "send:dev", "a", time.Hour, nil)
	if err != nil {
		t.Fatal(err)
	}
	fence := coffer.Fence{Lease: l.Name, Token: l.Token}
	huge, _ := new(big.Int).SetString("115792089237316195423570985008687907853269984665640564039457584007913129639935", 10)
	for i, id := range []string{"pay-2", "pay-1", "pay-3"} {
		amount := big.NewInt(int64(i + 1))
		if id == "pay-1" {
			amount = huge
		}
		if err := ss.CreateSendIntent(ctx, sendIntent(id, amount, t0.Add(time.Duration(i)*time.Second))); err != nil {
			t.Fatalf("CreateSendIntent %s: %v", id, err)
		}
	}
	wantCode(t, "CreateSendIntent of a taken id", ss.CreateSendIntent(ctx, sendIntent("pay-1", big.NewInt(1), t0)), coffer.ECONFLICT)
	wantCode(t, "CreateSendIntent of no amount", ss.CreateSendIntent(ctx, sendIntent("pay-0", big.NewInt(0), t0)), coffer.EINVALID)
	_, err = ss.SendIntent(ctx, "nope")
	wantCode(t, "SendIntent", err, coffer.ENOTFOUND)
	in, err := ss.SendIntent(ctx, "pay-1")
	if err != nil || in.Amount.Cmp(huge) != 0 || in.State != coffer.SendQueued || in.From != sendFrom || in.To != sendTo ||
		in.Asset != "ETH" || in.Chain != "dev" || !in.CreatedAt.Equal(t0.Add(time.Second)) || in.Fee != nil {
		t.Fatalf("SendIntent = %+v, %v", in, err)
	}
	if err := ss.SetSendState(ctx, "pay-2", []coffer.SendState{coffer.SendQueued}, coffer.SendWaitingFunds, fence); err != nil {
		t.Fatalf("SetSendState: %v", err)
	}
	wantCode(t, "SetSendState from a state it is not in",
		ss.SetSendState(ctx, "pay-2", []coffer.SendState{coffer.SendQueued}, coffer.SendBroadcast, fence), coffer.ECONFLICT)
	ids := func(states ...coffer.SendState) []string {
		t.Helper()
		ins, err := ss.SendIntents(ctx, coffer.SendFilter{Chain: "dev", From: sendFrom, States: states})
		if err != nil {
			t.Fatalf("SendIntents: %v", err)
		}
		var out []string
		for _, in := range ins {
			out = append(out, in.ID)
		}
		return out
	}
	if got := ids(coffer.SendQueued, coffer.SendWaitingFunds); !slices.Equal(got, []string{"pay-2", "pay-1", "pay-3"}) {
		t.Fatalf("queued and waiting = %v", got)
	}
	if got := ids(coffer.SendWaitingFunds); !slices.Equal(got, []string{"pay-2"}) {
		t.Fatalf("waiting = %v", got)
	}
	if ins, err := ss.SendIntents(ctx, coffer.SendFilter{Chain: "dev", From: sendTo, States: []coffer.SendState{coffer.SendQueued}}); err != nil || len(ins) != 0 {
		t.Fatalf("another address's intents = %+v, %v", ins, err)
	}
	// A cancel takes a waiting intent; a cancelled one can be neither cancelled nor signed.
	c, err := ss.CancelSendIntent(ctx, "pay-2")
	if err != nil || c.State != coffer.SendCancelled {
		t.Fatalf("CancelSendIntent = %+v, %v", c, err)
	}
	_, err = ss.CancelSendIntent(ctx, "pay-2")
	wantCode(t, "CancelSendIntent twice", err, coffer.ECONFLICT)
	_, err = ss.CancelSendIntent(ctx, "nope")
	wantCode(t, "CancelSendIntent of nothing", err, coffer.ENOTFOUND)
	wantCode(t, "AddSendAttempt to a cancelled intent", ss.AddSendAttempt(ctx, sendAttempt("pay-2", 0, 1), fence), coffer.ECONFLICT)

	// The listing of every sender's intents, newest first, by state and chain, paged.
	ls, ok := s.(coffer.SendIntentLister)
	if !ok {
		t.Fatalf("%T does not implement coffer.SendIntentLister", s)
	}
	other := sendIntent("pay-4", big.NewInt(4), t0.Add(time.Second)) // ties with pay-1's time
	other.Chain, other.From = "bsc", sendTo
	if err := ss.CreateSendIntent(ctx, other); err != nil {
		t.Fatal(err)
	}
	list := func(q coffer.SendIntentQuery) []string {
		t.Helper()
		ins, err := ls.ListSendIntents(ctx, q)
		if err != nil {
			t.Fatalf("ListSendIntents(%+v): %v", q, err)
		}
		var out []string
		for _, in := range ins {
			out = append(out, in.ID)
		}
		return out
	}
	for _, c := range []struct {
		q    coffer.SendIntentQuery
		want []string
	}{
		{coffer.SendIntentQuery{}, []string{"pay-3", "pay-4", "pay-1", "pay-2"}},
		{coffer.SendIntentQuery{State: coffer.SendQueued}, []string{"pay-3", "pay-4", "pay-1"}},
		{coffer.SendIntentQuery{State: coffer.SendCancelled}, []string{"pay-2"}},
		{coffer.SendIntentQuery{Chain: "dev"}, []string{"pay-3", "pay-1", "pay-2"}},
		{coffer.SendIntentQuery{Limit: 2}, []string{"pay-3", "pay-4"}},
		{coffer.SendIntentQuery{Before: &coffer.SendIntentCursor{CreatedAt: t0.Add(time.Second), ID: "pay-4"}}, []string{"pay-1", "pay-2"}},
	} {
		if got := list(c.q); !slices.Equal(got, c.want) {
			t.Errorf("ListSendIntents(%+v) = %v, want %v", c.q, got, c.want)
		}
	}
	// A sweep's intent: selected, or left out, by its id's prefix; by an address on either side.
	const sweepFrom = "0x00000000000000000000000000000000000000cc"
	sw := sendIntent("sweep/dev:1", big.NewInt(5), t0.Add(3*time.Second))
	sw.From, sw.To = sweepFrom, sendFrom
	if err := ss.CreateSendIntent(ctx, sw); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		q    coffer.SendIntentQuery
		want []string
	}{
		{coffer.SendIntentQuery{IDPrefix: "sweep/"}, []string{"sweep/dev:1"}},
		{coffer.SendIntentQuery{IDPrefixNot: "sweep/"}, []string{"pay-3", "pay-4", "pay-1", "pay-2"}},
		{coffer.SendIntentQuery{IDPrefix: "sweep/", State: coffer.SendCancelled}, nil},
		{coffer.SendIntentQuery{Address: sweepFrom}, []string{"sweep/dev:1"}},
		{coffer.SendIntentQuery{Address: sendTo}, []string{"pay-3", "pay-4", "pay-1", "pay-2"}},
		{coffer.SendIntentQuery{Address: sendFrom, IDPrefix: "sweep/"}, []string{"sweep/dev:1"}},
	} {
		if got := list(c.q); !slices.Equal(got, c.want) {
			t.Errorf("ListSendIntents(%+v) = %v, want %v", c.q, got, c.want)
		}
	}

	// Abandoned: a queued intent ends failed with its reason, never signed; only once, only
	// under the fence, only from queued or waiting.
	stale := coffer.Fence{Lease: fence.Lease, Token: fence.Token + 1}
	wantCode(t, "AbandonSendIntent under a stale fence", ss.AbandonSendIntent(ctx, "sweep/dev:1", "r", stale), coffer.ECONFLICT)
	if err := ss.AbandonSendIntent(ctx, "sweep/dev:1", "the recipient is a contract", fence); err != nil {
		t.Fatalf("AbandonSendIntent: %v", err)
	}
	if got, err := ss.SendIntent(ctx, "sweep/dev:1"); err != nil || got.State != coffer.SendFailed ||
		got.Reason != "the recipient is a contract" || got.TxHash != "" {
		t.Fatalf("abandoned = %+v, %v", got, err)
	}
	wantCode(t, "AbandonSendIntent twice", ss.AbandonSendIntent(ctx, "sweep/dev:1", "r", fence), coffer.ECONFLICT)
	wantCode(t, "AbandonSendIntent of a cancelled one", ss.AbandonSendIntent(ctx, "pay-2", "r", fence), coffer.ECONFLICT)
	wantCode(t, "AbandonSendIntent of nothing", ss.AbandonSendIntent(ctx, "nope", "r", fence), coffer.ENOTFOUND)
	wantCode(t, "AddSendAttempt to an abandoned intent", ss.AddSendAttempt(ctx, sendAttempt("sweep/dev:1", 0, 9), fence), coffer.ECONFLICT)
}

// testSendAttempts checks attempts: the nonce given to one intent only, replacements of the
// same nonce, a cancel refused once signed, the end marking one attempt mined and the others
// replaced, a stale fence refused.
func testSendAttempts(t *testing.T, s coffer.Store) {
	ctx := t.Context()
	ss := sendStore(t, s)
	l, _, err := ss.ClaimLease(ctx, "send:dev", "a", time.Hour, nil)
	if err != nil {
		t.Fatal(err)
	}
	fence := coffer.Fence{Lease: l.Name, Token: l.Token}
	for _, id := range []string{"pay-1", "pay-2"} {
		if err := ss.CreateSendIntent(ctx, sendIntent(id, big.NewInt(5), t0)); err != nil {
			t.Fatal(err)
		}
	}
	if next, err := ss.SendNonceNext(ctx, "dev", sendFrom); err != nil || next != 0 {
		t.Fatalf("SendNonceNext of none = %d, %v", next, err)
	}
	if err := ss.AddSendAttempt(ctx, sendAttempt("pay-1", 7, 1), fence); err != nil {
		t.Fatalf("AddSendAttempt: %v", err)
	}
	wantCode(t, "AddSendAttempt of another intent's nonce", ss.AddSendAttempt(ctx, sendAttempt("pay-2", 7, 2), fence), coffer.ECONFLICT)
	wantCode(t, "AddSendAttempt of a taken hash", ss.AddSendAttempt(ctx, sendAttempt("pay-1", 7, 1), fence), coffer.ECONFLICT)
	wantCode(t, "AddSendAttempt of another nonce to a signed intent", ss.AddSendAttempt(ctx, sendAttempt("pay-1", 9, 6), fence), coffer.ECONFLICT)
	wantCode(t, "AddSendAttempt under a stale fence",
		ss.AddSendAttempt(ctx, sendAttempt("pay-2", 8, 2), coffer.Fence{Lease: l.Name, Token: l.Token + 1}), coffer.ECONFLICT)
	if next, err := ss.SendNonceNext(ctx, "dev", sendFrom); err != nil || next != 8 {
		t.Fatalf("SendNonceNext = %d, %v; want 8", next, err)
	}
	if next, err := ss.SendNonceNext(ctx, "other", sendFrom); err != nil || next != 0 {
		t.Fatalf("SendNonceNext of another chain = %d, %v", next, err)
	}
	in, err := ss.SendIntent(ctx, "pay-1")
	if err != nil || in.State != coffer.SendSigned || in.Nonce != 7 {
		t.Fatalf("signed intent = %+v, %v", in, err)
	}
	_, err = ss.CancelSendIntent(ctx, "pay-1")
	wantCode(t, "CancelSendIntent of a signed intent", err, coffer.ECONFLICT)

	first := sendAttempt("pay-1", 7, 1)
	wantCode(t, "MarkSendBroadcast of an unknown attempt", ss.MarkSendBroadcast(ctx, []string{first.TxHash, "0xnone"}, 40), coffer.ENOTFOUND)
	if in, _ := ss.SendIntent(ctx, "pay-1"); in.State != coffer.SendSigned {
		t.Fatalf("intent after a refused MarkSendBroadcast = %+v", in)
	}
	if err := ss.MarkSendBroadcast(ctx, []string{first.TxHash, first.TxHash}, 40); err != nil {
		t.Fatalf("MarkSendBroadcast: %v", err)
	}
	if err := ss.MarkSendBroadcast(ctx, []string{first.TxHash}, 40); err != nil { // sent again
		t.Fatalf("MarkSendBroadcast again: %v", err)
	}
	if err := ss.MarkSendBroadcast(ctx, nil, 41); err != nil {
		t.Fatalf("MarkSendBroadcast of none: %v", err)
	}
	if in, _ := ss.SendIntent(ctx, "pay-1"); in.State != coffer.SendBroadcast {
		t.Fatalf("intent after MarkSendBroadcast = %+v", in)
	}
	// A replacement of the same nonce keeps the intent broadcast.
	if err := ss.AddSendAttempt(ctx, sendAttempt("pay-1", 7, 3), fence); err != nil {
		t.Fatalf("AddSendAttempt of a replacement: %v", err)
	}
	as, err := ss.SendAttempts(ctx, "pay-1")
	if err != nil || len(as) != 2 {
		t.Fatalf("SendAttempts = %+v, %v", as, err)
	}
	want := sendAttempt("pay-1", 7, 1)
	a := as[0]
	if a.TxHash != want.TxHash || a.Nonce != 7 || string(a.Raw) != string(want.Raw) || a.GasFeeCap.Cmp(want.GasFeeCap) != 0 ||
		a.GasTipCap.Cmp(want.GasTipCap) != 0 || a.Gas != 21_000 || a.State != coffer.AttemptBroadcast || a.SentBlock != 40 ||
		a.IntentID != "pay-1" || a.Chain != "dev" || a.From != sendFrom {
		t.Fatalf("first attempt = %+v", a)
	}
	if as[1].TxHash != sendAttempt("pay-1", 7, 3).TxHash || as[1].State != coffer.AttemptSigned {
		t.Fatalf("second attempt = %+v", as[1])
	}
	if in, _ := ss.SendIntent(ctx, "pay-1"); in.State != coffer.SendBroadcast {
		t.Fatalf("intent after a replacement = %+v", in)
	}

	end := in
	end.State, end.TxHash, end.BlockNumber, end.GasUsed = coffer.SendConfirmed, as[0].TxHash, 42, 21_000
	end.Fee, _ = new(big.Int).SetString("630000000000000000000000", 10)
	wantCode(t, "FinishSendIntent under a stale fence",
		ss.FinishSendIntent(ctx, end, coffer.Fence{Lease: l.Name, Token: l.Token + 1}), coffer.ECONFLICT)
	bad := end
	bad.TxHash = "0xnone"
	wantCode(t, "FinishSendIntent of an unknown attempt", ss.FinishSendIntent(ctx, bad, fence), coffer.ECONFLICT)
	if err := ss.FinishSendIntent(ctx, end, fence); err != nil {
		t.Fatalf("FinishSendIntent: %v", err)
	}
	wantCode(t, "FinishSendIntent twice", ss.FinishSendIntent(ctx, end, fence), coffer.ECONFLICT)
	got, err := ss.SendIntent(ctx, "pay-1")
	if err != nil || got.State != coffer.SendConfirmed || got.TxHash != end.TxHash || got.BlockNumber != 42 ||
		got.GasUsed != 21_000 || got.Fee.Cmp(end.Fee) != 0 || got.Nonce != 7 {
		t.Fatalf("finished intent = %+v, %v", got, err)
	}
	as, _ = ss.SendAttempts(ctx, "pay-1")
	if as[0].State != coffer.AttemptMined || as[0].BlockNumber != 42 || as[1].State != coffer.AttemptReplaced {
		t.Fatalf("attempts after the end = %+v", as)
	}
	wantCode(t, "AddSendAttempt to a confirmed intent", ss.AddSendAttempt(ctx, sendAttempt("pay-1", 7, 4), fence), coffer.ECONFLICT)

	// The other intent takes the next nonce and fails.
	if err := ss.AddSendAttempt(ctx, sendAttempt("pay-2", 8, 5), fence); err != nil {
		t.Fatal(err)
	}
	fail := coffer.SendIntent{ID: "pay-2", State: coffer.SendFailed, TxHash: sendAttempt("pay-2", 8, 5).TxHash,
		BlockNumber: 43, GasUsed: 30_000, Fee: big.NewInt(1), Reason: "reverted: balance too low"}
	if err := ss.FinishSendIntent(ctx, fail, fence); err != nil {
		t.Fatal(err)
	}
	if got, _ := ss.SendIntent(ctx, "pay-2"); got.State != coffer.SendFailed || got.Reason != fail.Reason || got.Nonce != 8 {
		t.Fatalf("failed intent = %+v", got)
	}
}

// testSendCancelRace cancels intents while attempts are added to them: each ends either
// cancelled without an attempt or signed with one, never both.
func testSendCancelRace(t *testing.T, s coffer.Store) {
	ctx := t.Context()
	ss := sendStore(t, s)
	l, _, err := ss.ClaimLease(ctx, "send:dev", "a", time.Hour, nil)
	if err != nil {
		t.Fatal(err)
	}
	fence := coffer.Fence{Lease: l.Name, Token: l.Token}
	const n = 20
	for i := range n {
		if err := ss.CreateSendIntent(ctx, sendIntent(fmt.Sprintf("race-%d", i), big.NewInt(1), t0)); err != nil {
			t.Fatal(err)
		}
	}
	type result struct{ cancel, add error }
	results := make([]result, n)
	var wg sync.WaitGroup
	for i := range n {
		id := fmt.Sprintf("race-%d", i)
		wg.Add(2)
		go func() {
			defer wg.Done()
			_, results[i].cancel = ss.CancelSendIntent(ctx, id)
		}()
		go func() {
			defer wg.Done()
			results[i].add = ss.AddSendAttempt(ctx, sendAttempt(id, uint64(i), i+1), fence)
		}()
	}
	wg.Wait()
	for i, r := range results {
		id := fmt.Sprintf("race-%d", i)
		in, err := ss.SendIntent(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		as, err := ss.SendAttempts(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		switch {
		case r.cancel == nil && coffer.ErrorCode(r.add) == coffer.ECONFLICT:
			if in.State != coffer.SendCancelled || len(as) != 0 {
				t.Fatalf("%s cancelled: %+v with %d attempts", id, in, len(as))
			}
		case r.add == nil && coffer.ErrorCode(r.cancel) == coffer.ECONFLICT:
			if in.State != coffer.SendSigned || len(as) != 1 {
				t.Fatalf("%s signed: %+v with %d attempts", id, in, len(as))
			}
		default:
			if errors.Is(r.cancel, coffer.ErrRetry) || errors.Is(r.add, coffer.ErrRetry) {
				continue // SQLite's busy writer: a refusal to be retried, nothing done
			}
			t.Fatalf("%s: cancel %v, add %v; want exactly one to succeed", id, r.cancel, r.add)
		}
	}
}

// testForgetSends forgets a chain's send state: its unfinished intents (queued, waiting,
// signed, broadcast) end failed with the reason, one that ended before keeps its end, and the
// chain's nonces and attempt hashes are free again; another chain's are untouched.
func testForgetSends(t *testing.T, s coffer.Store) {
	ctx := t.Context()
	ss := sendStore(t, s)
	sf, ok := s.(coffer.SendForgetter)
	if !ok {
		t.Fatalf("%T does not implement coffer.SendForgetter", s)
	}
	fence := func(name string) coffer.Fence {
		l, _, err := ss.ClaimLease(ctx, name, "a", time.Hour, nil)
		if err != nil {
			t.Fatal(err)
		}
		return coffer.Fence{Lease: l.Name, Token: l.Token}
	}
	dev, other := fence("send:dev"), fence("send:other")
	for _, id := range []string{"done", "broadcast", "signed", "queued", "waiting"} {
		if err := ss.CreateSendIntent(ctx, sendIntent(id, big.NewInt(5), t0)); err != nil {
			t.Fatal(err)
		}
	}
	elsewhere := sendIntent("elsewhere", big.NewInt(5), t0)
	elsewhere.Chain = "other"
	if err := ss.CreateSendIntent(ctx, elsewhere); err != nil {
		t.Fatal(err)
	}
	for i, id := range []string{"done", "broadcast", "signed"} {
		if err := ss.AddSendAttempt(ctx, sendAttempt(id, uint64(i), i+1), dev); err != nil {
			t.Fatalf("AddSendAttempt %s: %v", id, err)
		}
	}
	if err := ss.MarkSendBroadcast(ctx, []string{sendAttempt("done", 0, 1).TxHash, sendAttempt("broadcast", 1, 2).TxHash}, 10); err != nil {
		t.Fatal(err)
	}
	done := sendIntent("done", big.NewInt(5), t0)
	done.State, done.TxHash, done.BlockNumber, done.GasUsed, done.Fee = coffer.SendConfirmed, sendAttempt("done", 0, 1).TxHash, 12, 21_000, big.NewInt(42)
	if err := ss.FinishSendIntent(ctx, done, dev); err != nil {
		t.Fatal(err)
	}
	if err := ss.SetSendState(ctx, "waiting", []coffer.SendState{coffer.SendQueued}, coffer.SendWaitingFunds, dev); err != nil {
		t.Fatal(err)
	}
	away := sendAttempt("elsewhere", 0, 9)
	away.Chain = "other"
	if err := ss.AddSendAttempt(ctx, away, other); err != nil {
		t.Fatal(err)
	}

	if n, err := sf.ForgetSends(ctx, "dev", "the chain is gone"); err != nil || n != 4 {
		t.Fatalf("ForgetSends = %d, %v; want 4 ended", n, err)
	}
	for _, id := range []string{"broadcast", "signed", "queued", "waiting"} {
		in, err := ss.SendIntent(ctx, id)
		if err != nil || in.State != coffer.SendFailed || in.Reason != "the chain is gone" {
			t.Errorf("intent %s after ForgetSends = %+v, %v", id, in, err)
		}
		if as, err := ss.SendAttempts(ctx, id); err != nil || len(as) != 0 {
			t.Errorf("attempts of %s after ForgetSends = %+v, %v", id, as, err)
		}
	}
	if in, err := ss.SendIntent(ctx, "done"); err != nil || in.State != coffer.SendConfirmed || in.TxHash != done.TxHash ||
		in.Fee.Cmp(big.NewInt(42)) != 0 || in.Reason != "" {
		t.Errorf("the intent that had ended = %+v, %v", in, err)
	}
	if next, err := ss.SendNonceNext(ctx, "dev", sendFrom); err != nil || next != 0 {
		t.Errorf("SendNonceNext after ForgetSends = %d, %v; want 0", next, err)
	}
	if in, err := ss.SendIntent(ctx, "elsewhere"); err != nil || in.State != coffer.SendSigned {
		t.Errorf("another chain's intent = %+v, %v", in, err)
	}
	if next, err := ss.SendNonceNext(ctx, "other", sendFrom); err != nil || next != 1 {
		t.Errorf("another chain's SendNonceNext = %d, %v; want 1", next, err)
	}
	// A new intent takes nonce 0 again, even with the very bytes an old attempt had.
	if err := ss.CreateSendIntent(ctx, sendIntent("new", big.NewInt(5), t0.Add(time.Second))); err != nil {
		t.Fatal(err)
	}
	again := sendAttempt("new", 0, 1)
	if err := ss.AddSendAttempt(ctx, again, dev); err != nil {
		t.Fatalf("AddSendAttempt of nonce 0 after ForgetSends: %v", err)
	}
	if n, err := sf.ForgetSends(ctx, "nowhere", "none"); err != nil || n != 0 {
		t.Errorf("ForgetSends of a chain without sends = %d, %v", n, err)
	}
}
