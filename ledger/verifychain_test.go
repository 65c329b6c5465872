package ledger_test

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"testing"

	"github.com/cofferhq/coffer"
	"github.com/cofferhq/coffer/internal/testdb"
	"github.com/cofferhq/coffer/ledger"
)

// tamperRig is a ledger with real traffic, and a plain connection to its database to change rows
// behind its back.
type tamperRig struct {
	store coffer.Store
	db    *sql.DB
	kind  string
}

// exec runs q with args on the rig's database; q's placeholders are ?, turned into $1, $2, ...
// on PostgreSQL.
func (r *tamperRig) exec(t *testing.T, q string, args ...any) {
	t.Helper()
	if r.kind == "postgres" {
		for i := 1; strings.Contains(q, "?"); i++ {
			q = strings.Replace(q, "?", fmt.Sprintf("$%d", i), 1)
		}
	}
	if _, err := r.db.Exec(q, args...); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
}

func (r *tamperRig) events(t *testing.T) []coffer.Event {
	t.Helper()
	es, err := r.store.Events(context.Background(), 0, coffer.PageSizeMax)
	if err != nil {
		t.Fatalf("events: %v", err)
	}
	return es
}

func (r *tamperRig) verify(t *testing.T, head *coffer.ChainHead) *ledger.Report {
	t.Helper()
	rep, err := ledger.VerifyWith(context.Background(), r.store, ledger.VerifyOptions{Head: head})
	if err != nil {
		t.Fatalf("verify: %v", err)
	}
	return rep
}

// traffic writes deposits, payments with fees, a hold posted in part, one voided and a rejected
// payment, each through the ledger.
func traffic(t *testing.T, l *ledger.Ledger, round int) {
	t.Helper()
	id := func(s string) string { return fmt.Sprintf("%s-%d", s, round) }
	mustDo(t, l, ledger.Deposit{ID: id("dep-a"), Owner: "alice", Asset: "USD", Amount: usd(10000)})
	mustDo(t, l, ledger.Deposit{ID: id("dep-b"), Owner: "bob", Asset: "USD", Amount: usd(5000)})
	mustDo(t, l, ledger.Pay{ID: id("pay"), Owner: "alice", Merchant: "shop", Asset: "USD", Amount: usd(1200), Fee: usd(30)})
	mustDo(t, l, ledger.Hold{ID: id("hold-1"), Owner: "bob", Merchant: "shop", Asset: "USD", Amount: usd(700)})
	mustDo(t, l, ledger.PostTransfer{TransferID: id("hold-1"), Amount: usd(500)})
	mustDo(t, l, ledger.Hold{ID: id("hold-2"), Owner: "alice", Merchant: "shop", Asset: "USD", Amount: usd(300)})
	mustDo(t, l, ledger.VoidTransfer{TransferID: id("hold-2")})
	if _, err := l.Do(context.Background(), ledger.Pay{ID: id("too-much"), Owner: "bob", Merchant: "shop", Asset: "USD",
		Amount: usd(1_000_000)}); err == nil {
		t.Fatal("a payment of more than bob has went through")
	}
}

func setupTamper(t *testing.T, kind testdb.Kind) *tamperRig {
	store, db := kind.OpenSQL(t)
	l := ledger.New(store, ledger.Config{})
	t.Cleanup(func() { l.Close() })
	mustDo(t, l, ledger.CreateAsset{Code: "USD", Scale: 2})
	traffic(t, l, 1)
	return &tamperRig{store: store, db: db, kind: kind.Name}
}

// firstOf returns the first violation of kind, failing the test if there is none.
func firstOf(t *testing.T, rep *ledger.Report, kind string) ledger.Violation {
	t.Helper()
	for _, v := range rep.Violations {
		if v.Kind == kind {
			return v
		}
	}
	t.Fatalf("no %s violation among %+v", kind, rep.Violations)
	return ledger.Violation{}
}

// TestVerifyFindsTampering writes real traffic through the ledger, changes rows of events and
// entries directly in the database, and checks that Verify names the first event or entry
// changed.
func TestVerifyFindsTampering(t *testing.T) {
	const wallet = "wallet:alice:USD"
	for _, kind := range testdb.Kinds() {
		t.Run(kind.Name, func(t *testing.T) {
			t.Parallel()
			t.Run("untouched", func(t *testing.T) {
				t.Parallel()
				r := setupTamper(t, kind)
				rep := r.verify(t, nil)
				es := r.events(t)
				if !rep.OK() {
					t.Fatalf("violations on an untouched ledger: %+v", rep.Violations)
				}
				last := es[len(es)-1]
				if rep.Events != len(es) || rep.HeadSeq != last.Seq || rep.HeadHash != last.Hash.String() {
					t.Fatalf("report: %d events, head %d %s; the store has %d, last %d %s",
						rep.Events, rep.HeadSeq, rep.HeadHash, len(es), last.Seq, last.Hash)
				}
				prev := coffer.EventHashZero
				for _, e := range es {
					if e.Hash != coffer.ChainEvent(prev, &e) {
						t.Fatalf("event %d: stored hash %s is not its chained hash", e.Seq, e.Hash)
					}
					prev = e.Hash
				}
			})
			for _, tt := range []struct {
				name   string
				tamper func(t *testing.T, r *tamperRig, es []coffer.Event) (kind string, want func(es []coffer.Event) string)
			}{
				{"event data edited", func(t *testing.T, r *tamperRig, es []coffer.Event) (string, func([]coffer.Event) string) {
					e := transferEvent(t, es, coffer.EventTransferCreated, 2)
					r.exec(t, `UPDATE events SET data = ? WHERE seq = ?`,
						strings.Replace(string(e.Data), `"amount":"`, `"amount":"9`, 1), e.Seq)
					return ledger.VEvent, func([]coffer.Event) string {
						return fmt.Sprintf("event %d: its hash does not match its content chained to event %d", e.Seq, e.Seq-1)
					}
				}},
				{"event deleted", func(t *testing.T, r *tamperRig, es []coffer.Event) (string, func([]coffer.Event) string) {
					n := es[len(es)/2].Seq
					r.exec(t, `DELETE FROM events WHERE seq = ?`, n)
					return ledger.VEvent, func([]coffer.Event) string {
						return fmt.Sprintf("event %d: does not follow event %d (1 events between are missing)", n+1, n-1)
					}
				}},
				{"last event deleted", func(t *testing.T, r *tamperRig, es []coffer.Event) (string, func([]coffer.Event) string) {
					n := es[len(es)-1].Seq
					r.exec(t, `DELETE FROM events WHERE seq = ?`, n)
					return ledger.VHead, func(es []coffer.Event) string {
						return fmt.Sprintf("the chain ends at event %d (hash %s) but event_seq holds event %d (hash %s)",
							n-1, es[len(es)-2].Hash, n, es[len(es)-1].Hash)
					}
				}},
				{"two events' seqs swapped", func(t *testing.T, r *tamperRig, es []coffer.Event) (string, func([]coffer.Event) string) {
					n := es[len(es)/2].Seq
					r.exec(t, `UPDATE events SET seq = ? WHERE seq = ?`, 1<<40, n)
					r.exec(t, `UPDATE events SET seq = ? WHERE seq = ?`, n, n+1)
					r.exec(t, `UPDATE events SET seq = ? WHERE seq = ?`, n+1, 1<<40)
					return ledger.VEvent, func([]coffer.Event) string {
						return fmt.Sprintf("event %d: its hash does not match its content chained to event %d", n, n-1)
					}
				}},
				{"entry amount edited", func(t *testing.T, r *tamperRig, es []coffer.Event) (string, func([]coffer.Event) string) {
					r.exec(t, `UPDATE entries SET amount = '1300' WHERE account_id = ? AND seq = 2`, wallet)
					return ledger.VRecorded, func([]coffer.Event) string {
						return "entry 2: says debit posted 1300 of payment pay-1; the events record debit posted 1200 of payment pay-1"
					}
				}},
				{"entry amount and every figure after rewritten", func(t *testing.T, r *tamperRig, es []coffer.Event) (string, func([]coffer.Event) string) {
					// Alice's first deposit made 10001, and every later figure of hers and her
					// totals raised to agree: her entries replay clean, and the events tell.
					plus1 := func(col string) string {
						if r.kind == "postgres" {
							return col + " = " + col + " + 1"
						}
						return col + " = CAST(CAST(" + col + " AS INTEGER) + 1 AS TEXT)"
					}
					r.exec(t, `UPDATE entries SET amount = '10001' WHERE account_id = ? AND seq = 1`, wallet)
					r.exec(t, `UPDATE entries SET `+plus1("balance_after")+`, `+plus1("available_after")+
						` WHERE account_id = ?`, wallet)
					r.exec(t, `UPDATE entries SET `+plus1("balance_before")+`, `+plus1("available_before")+
						` WHERE account_id = ? AND seq > 1`, wallet)
					r.exec(t, `UPDATE accounts SET `+plus1("credits_posted")+` WHERE id = ?`, wallet)
					return ledger.VRecorded, func([]coffer.Event) string {
						return "entry 1: says credit posted 10001 of deposit dep-a-1; the events record credit posted 10000 of deposit dep-a-1"
					}
				}},
				{"entry balance edited", func(t *testing.T, r *tamperRig, es []coffer.Event) (string, func([]coffer.Event) string) {
					r.exec(t, `UPDATE entries SET balance_after = '1' WHERE account_id = ? AND seq = 2`, wallet)
					return ledger.VEntry, func([]coffer.Event) string {
						return "entry 2 ends at balance 1 available 8800; its amount gives 8800 and 8800"
					}
				}},
				{"entry deleted", func(t *testing.T, r *tamperRig, es []coffer.Event) (string, func([]coffer.Event) string) {
					r.exec(t, `DELETE FROM entries WHERE account_id = ? AND seq = 2`, wallet)
					return ledger.VRecorded, func([]coffer.Event) string {
						return "entry 2: missing; the events record debit posted 1200 of transfer pay-1"
					}
				}},
				{"two entries' seqs swapped", func(t *testing.T, r *tamperRig, es []coffer.Event) (string, func([]coffer.Event) string) {
					r.exec(t, `UPDATE entries SET seq = 100 WHERE account_id = ? AND seq = 2`, wallet)
					r.exec(t, `UPDATE entries SET seq = 2 WHERE account_id = ? AND seq = 3`, wallet)
					r.exec(t, `UPDATE entries SET seq = 3 WHERE account_id = ? AND seq = 100`, wallet)
					return ledger.VRecorded, func([]coffer.Event) string {
						return "entry 2: says debit pending 300 of hold hold-2-1; the events record debit posted 1200 of payment pay-1"
					}
				}},
			} {
				t.Run(tt.name, func(t *testing.T) {
					t.Parallel()
					r := setupTamper(t, kind)
					es := r.events(t)
					vkind, want := tt.tamper(t, r, es)
					rep := r.verify(t, nil)
					if v := firstOf(t, rep, vkind); v.Message != want(es) {
						t.Fatalf("first %s violation: %q\nwant %q\nall: %+v", vkind, v.Message, want(es), rep.Violations)
					}
				})
			}
		})
	}
}

// transferEvent returns the n-th event (from 1) of type typ.
func transferEvent(t *testing.T, es []coffer.Event, typ string, n int) coffer.Event {
	t.Helper()
	for _, e := range es {
		if e.Type == typ {
			if n--; n == 0 {
				return e
			}
		}
	}
	t.Fatalf("no %d-th %s event", n, typ)
	return coffer.Event{}
}

// TestVerifyExportedHead exports the chain head, writes more, then rewrites an event before the
// head and recomputes every hash after it: the chain is whole again, and only the exported head
// tells.
func TestVerifyExportedHead(t *testing.T) {
	for _, kind := range testdb.Kinds() {
		t.Run(kind.Name, func(t *testing.T) {
			t.Parallel()
			store, db := kind.OpenSQL(t)
			r := &tamperRig{store: store, db: db, kind: kind.Name}
			l := ledger.New(store, ledger.Config{})
			t.Cleanup(func() { l.Close() })
			mustDo(t, l, ledger.CreateAsset{Code: "USD", Scale: 2})
			traffic(t, l, 1)
			rep := r.verify(t, nil)
			exported, err := coffer.ParseChainHead(fmt.Sprintf("%d %s\n", rep.HeadSeq, rep.HeadHash))
			if err != nil {
				t.Fatal(err)
			}
			traffic(t, l, 2)
			if rep := r.verify(t, &exported); !rep.OK() {
				t.Fatalf("violations against the exported head of an untouched ledger: %+v", rep.Violations)
			}

			// Rewrite the account.created event of alice's wallet (no entries hang on it) and
			// chain every event after it again, event_seq's head too.
			es := r.events(t)
			var from int
			for i, e := range es {
				if e.Type == coffer.EventAccountCreated && e.Subject == "wallet:alice:USD" {
					from = i
				}
			}
			if es[from].Seq >= exported.Seq {
				t.Fatalf("alice's wallet was created at event %d, not before the exported head %d", es[from].Seq, exported.Seq)
			}
			es[from].Data = []byte(strings.Replace(string(es[from].Data), `"owner":"alice"`, `"owner":"mallory"`, 1))
			r.exec(t, `UPDATE events SET data = ? WHERE seq = ?`, string(es[from].Data), es[from].Seq)
			prev := es[from-1].Hash
			for i := from; i < len(es); i++ {
				es[i].Hash = coffer.ChainEvent(prev, &es[i])
				prev = es[i].Hash
				r.exec(t, `UPDATE events SET hash = ? WHERE seq = ?`, prev[:], es[i].Seq)
			}
			r.exec(t, `UPDATE event_seq SET hash = ?`, prev[:])

			if rep := r.verify(t, nil); !rep.OK() {
				t.Fatalf("a rewritten tail is whole again, yet: %+v", rep.Violations)
			}
			rep = r.verify(t, &exported)
			want := fmt.Sprintf("event %d: its hash %s is not the exported head's %s: the events up to it were rewritten",
				exported.Seq, es[exported.Seq-1].Hash, exported.Hash)
			if v := firstOf(t, rep, ledger.VHead); v.Seq != exported.Seq || v.Message != want {
				t.Fatalf("against the exported head: %+v\nwant %q", v, want)
			}

			// A head past the end of the chain is reported too.
			past := coffer.ChainHead{Seq: prev2(es) + 5, Hash: exported.Hash}
			if v := firstOf(t, r.verify(t, &past), ledger.VHead); !strings.Contains(v.Message, "before the exported head's event") {
				t.Fatalf("a head past the chain's end: %+v", v)
			}
		})
	}
}

func prev2(es []coffer.Event) uint64 { return es[len(es)-1].Seq }

// eventHashVersion is the number of the migration that adds the events' hashes.
const eventHashVersion = 11

// TestMigrationChainsOldEvents writes events, takes the hashes away as if they had been written
// before the event_hash migration, and migrates again: the migration chains the events to the
// very hashes the write path had given them, and the ledger verifies clean and goes on.
func TestMigrationChainsOldEvents(t *testing.T) {
	for _, kind := range testdb.Kinds() {
		t.Run(kind.Name, func(t *testing.T) {
			t.Parallel()
			store, db := kind.OpenSQL(t)
			r := &tamperRig{store: store, db: db, kind: kind.Name}
			l := ledger.New(store, ledger.Config{})
			t.Cleanup(func() { l.Close() })
			mustDo(t, l, ledger.CreateAsset{Code: "USD", Scale: 2})
			traffic(t, l, 1)
			written := r.events(t)

			r.exec(t, `ALTER TABLE events DROP COLUMN hash`)
			r.exec(t, `ALTER TABLE event_seq DROP COLUMN hash`)
			r.exec(t, `DELETE FROM schema_migrations WHERE version = ?`, eventHashVersion)
			if err := store.(interface{ Migrate(context.Context) error }).Migrate(context.Background()); err != nil {
				t.Fatalf("migrate: %v", err)
			}
			chained := r.events(t)
			if len(chained) != len(written) {
				t.Fatalf("%d events after the migration, %d before", len(chained), len(written))
			}
			for i := range written {
				if chained[i].Hash != written[i].Hash {
					t.Fatalf("event %d: the migration chained it to %s, the write path to %s",
						written[i].Seq, chained[i].Hash, written[i].Hash)
				}
			}
			traffic(t, l, 2)
			if rep := r.verify(t, nil); !rep.OK() || rep.Events <= len(written) {
				t.Fatalf("after the migration and more traffic: %d events, %+v", rep.Events, rep.Violations)
			}
		})
	}
}
