package outbox_test

import (
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/cofferhq/coffer"
	"github.com/cofferhq/coffer/approval"
	"github.com/cofferhq/coffer/internal/testdb"
	"github.com/cofferhq/coffer/ledger"
	"github.com/cofferhq/coffer/monitor"
	"github.com/cofferhq/coffer/outbox"
)

// TestPayloadDocumented renders every type of event that real ledger traffic writes as the
// message every sink sends, and checks each against the OpenAPI document's EventPayload: every
// field documented, every required one present, the version 1, the data the documented
// snapshot. A field added to a snapshot without its documentation fails here.
func TestPayloadDocumented(t *testing.T) {
	raw, err := os.ReadFile("../httpapi/openapi.json")
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Components struct {
			Schemas map[string]map[string]any `json:"schemas"`
		} `json:"components"`
	}
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	v := validator{schemas: doc.Components.Schemas}

	store := testdb.SQLite(t)
	l := ledger.New(store, ledger.Config{})
	t.Cleanup(func() { l.Close() })
	ctx := t.Context()
	usd := func(v int64) coffer.Amount { return coffer.AmountFromInt64(v) }
	cmds := []ledger.Command{
		ledger.CreateAsset{Code: "USD", Scale: 2},
		ledger.Deposit{ID: "d-1", Owner: "alice", Asset: "USD", Amount: usd(10_000), Metadata: map[string]string{"channel": "card"}},
		ledger.Hold{ID: "h-1", Owner: "alice", Asset: "USD", Amount: usd(500), Merchant: "shop", Timeout: time.Hour, Reference: "order-1"},
		ledger.PostTransfer{TransferID: "h-1"},
		ledger.Withdraw{ID: "w-1", Owner: "alice", Asset: "USD", Amount: usd(100), Destination: "iban"},
		ledger.VoidTransfer{TransferID: "w-1"},
		ledger.LockAccount{ID: "lock-1", AccountID: "wallet:alice:USD", Debits: true, Reason: "review"},
		ledger.UnlockAccount{ID: "unlock-1", AccountID: "wallet:alice:USD"},
		ledger.Deposit{ID: "d-2", Owner: "bob", Asset: "EUR", Amount: usd(1)}, // rejected: no such asset
		ledger.ChainDeposit{Notice: chainNotice("1337:" + hash('1') + ":0"), Amount: usd(2_500)},
		ledger.ChainDeposit{Notice: chainNotice("1337:" + hash('2') + ":native"), Amount: usd(100)},
		ledger.ConfirmChainDeposit{Notice: chainNotice("1337:" + hash('1') + ":0")},
		ledger.OrphanChainDeposit{Notice: chainNotice("1337:" + hash('2') + ":native")},
		ledger.RequestPayout{ID: "p-1", Kind: ledger.PayoutWithdrawal, Owner: "alice", Asset: "USD", Amount: usd(300),
			NetworkFee: usd(5), Chain: "dev", From: hotWallet, To: "0x9858EfFD232B4033E47d90003D41EC34EcaEda94"},
		ledger.RequestPayout{ID: "p-2", Kind: ledger.PayoutPayment, Owner: "alice", Asset: "USD", Amount: usd(200),
			Chain: "dev", From: hotWallet, To: "0x9858EfFD232B4033E47d90003D41EC34EcaEda94", OrderID: "order-2"},
		ledger.ConfirmPayout{ID: "p-1", Gas: ledger.PayoutGas{NativeAsset: "USD", From: hotWallet, TxHash: hash('3'),
			BlockNumber: 12, GasUsed: 21_000, Fee: usd(1)}},
		ledger.FailPayout{ID: "p-2", Reason: "cancelled by an operator"},
		ledger.MoveCustody{ID: "sweep/dev:" + depositAddr + ":USD:3", Kind: ledger.MoveSweep, Chain: "dev", From: depositAddr,
			To: hotWallet, Asset: "USD", Amount: usd(2_000), Gas: ledger.PayoutGas{NativeAsset: "USD", From: depositAddr,
				TxHash: hash('4'), BlockNumber: 13, GasUsed: 21_000, Fee: usd(1)}},
		ledger.MoveCustody{ID: "sweep/dev:" + depositAddr + ":USD:5/topup", Kind: ledger.MoveGasTop, Chain: "dev", From: hotWallet,
			To: depositAddr, Asset: "USD", Amount: usd(3), Gas: ledger.PayoutGas{NativeAsset: "USD", From: hotWallet,
				TxHash: hash('5'), BlockNumber: 14, GasUsed: 21_000, Fee: usd(1)}, Failed: true, Reason: "reverted"},
	}
	for _, c := range cmds {
		l.Do(ctx, c) // the rejected one is an event too
	}
	// An admin's changes beside the ledger's: keys, and requests for approval.
	at := time.Date(2026, 12, 6, 4, 0, 0, 0, time.UTC)
	key := coffer.Key{ID: "key-2", Name: "ops", Role: coffer.RoleOperator, Hash: strings.Repeat("ab", 32), CreatedAt: at}
	created, _ := json.Marshal(coffer.KeyNotice{ID: key.ID, Name: key.Name, Role: key.Role, CreatedAt: at, ByKeyID: "key-1"})
	revoked, _ := json.Marshal(coffer.KeyNotice{ID: key.ID, Name: key.Name, Role: key.Role, CreatedAt: at, RevokedAt: &at, ByKeyID: "key-1"})
	if err := store.CreateKey(ctx, key, coffer.Event{Type: coffer.EventKeyCreated, Subject: key.ID, Data: created, CreatedAt: at}); err != nil {
		t.Fatal(err)
	}
	if err := store.RevokeKey(ctx, key.ID, at, coffer.Event{Type: coffer.EventKeyRevoked, Subject: key.ID, Data: revoked, CreatedAt: at}); err != nil {
		t.Fatal(err)
	}
	approvals := approval.New(approval.Config{Store: store.(coffer.ApprovalStore)})
	for _, id := range []string{"adj-1", "adj-2"} {
		req := `{"id":"` + id + `","account_id":"wallet:alice:USD","direction":"credit","amount":"1.00","reason":"goodwill"}`
		if _, _, err := approvals.Request(ctx, coffer.ApprovalKindAdjustment, id, json.RawMessage(req), "key-1"); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := approvals.Approve(ctx, "adj-1", "key-3"); err != nil {
		t.Fatal(err)
	}
	if _, err := approvals.Reject(ctx, "adj-2", "key-3", "not owed"); err != nil {
		t.Fatal(err)
	}
	// A monitor's edges, as its watcher writes them.
	ms := store.(monitor.Store)
	if err := ms.CreateMonitor(ctx, coffer.Monitor{ID: "m-1", AccountID: "wallet:alice:USD", Asset: "USD",
		Condition: coffer.MonitorBalanceBelow, Threshold: usd(1_000_000), CreatedAt: at, UpdatedAt: at}); err != nil {
		t.Fatal(err)
	}
	w := monitor.New(monitor.Config{Store: ms})
	if _, err := w.Sweep(ctx); err != nil {
		t.Fatal(err)
	}
	lease, _, err := store.(coffer.LeaseStore).ClaimLease(ctx, monitor.DutyName, "h", time.Minute, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := w.Pass(ctx, coffer.Fence{Lease: monitor.DutyName, Token: lease.Token}); err != nil {
		t.Fatal(err)
	}
	if err := ms.UpdateMonitor(ctx, coffer.Monitor{ID: "m-1", AccountID: "wallet:alice:USD", Asset: "USD",
		Condition: coffer.MonitorNoMovement, Period: time.Hour, CreatedAt: at, UpdatedAt: at}); err != nil {
		t.Fatal(err)
	}
	later := monitor.New(monitor.Config{Store: ms, Now: func() time.Time { return time.Now().Add(2 * time.Hour) }})
	if _, err := later.Sweep(ctx); err != nil { // two hours on: idle
		t.Fatal(err)
	}
	if _, err := l.Do(ctx, ledger.Deposit{ID: "d-3", Owner: "alice", Asset: "USD", Amount: usd(1)}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := w.Pass(ctx, coffer.Fence{Lease: monitor.DutyName, Token: lease.Token}); err != nil {
		t.Fatal(err)
	}
	es, err := store.Events(ctx, 0, coffer.PageSizeMax)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, e := range es {
		m, err := outbox.NewMessage(e)
		if err != nil {
			t.Fatal(err)
		}
		var body any
		if err := json.Unmarshal(m.Body, &body); err != nil {
			t.Fatal(err)
		}
		if err := v.check(map[string]any{"$ref": "#/components/schemas/EventPayload"}, body, "$"); err != nil {
			t.Errorf("event %d (%s) does not match EventPayload: %v\n%s", e.Seq, e.Type, err, m.Body)
		}
		seen[e.Type] = true
	}
	for _, typ := range []string{coffer.EventAssetCreated, coffer.EventAccountCreated, coffer.EventAccountLocked, coffer.EventAccountUnlocked,
		coffer.EventTransferCreated, coffer.EventTransferPosted, coffer.EventTransferVoided, coffer.EventOperationRejected,
		coffer.EventDepositPending, coffer.EventDepositConfirmed, coffer.EventDepositOrphaned,
		coffer.EventPayoutRequested, coffer.EventPayoutConfirmed, coffer.EventPayoutFailed,
		coffer.EventSweepConfirmed, coffer.EventSweepFailed,
		coffer.EventKeyCreated, coffer.EventKeyRevoked, coffer.EventApprovalRequested, coffer.EventApprovalApproved,
		coffer.EventApprovalRejected, coffer.EventMonitorTriggered, coffer.EventMonitorCleared} {
		if !seen[typ] {
			t.Errorf("no %s event was checked", typ)
		}
	}
}

// hotWallet is the payouts' sending address; depositAddr a deposit address swept to it.
const (
	hotWallet   = "0x00000000000000000000000000000000000000A1"
	depositAddr = "0x9858effd232b4033e47d90003d41ec34ecaeda94"
)

// hash returns a transaction or block hash of one repeated hex digit.
func hash(digit byte) string { return "0x" + strings.Repeat(string(digit), 64) }

// chainNotice is a chain deposit's notice to alice, as a chain watcher would give it.
func chainNotice(key string) coffer.DepositNotice {
	_, rest, _ := strings.Cut(key, ":")
	tx, position, _ := strings.Cut(rest, ":")
	return coffer.DepositNotice{Key: key, Chain: "dev", ChainID: 1337, TxHash: tx, Position: position,
		Address: "0x9858EfFD232B4033E47d90003D41EC34EcaEda94", Owner: "alice", Asset: "USD",
		BlockNumber: 9, BlockHash: hash('b'), Confirmations: 1, ConfirmationsRequired: 3}
}

// validator checks a JSON value against the subset of JSON Schema the document uses: $ref,
// oneOf, object properties, required and additionalProperties, type, enum, const and pattern
// are what it reads.
type validator struct {
	schemas map[string]map[string]any
}

func (v validator) check(s map[string]any, val any, at string) error {
	if ref, ok := s["$ref"].(string); ok {
		name := strings.TrimPrefix(ref, "#/components/schemas/")
		target, ok := v.schemas[name]
		if !ok {
			return fmt.Errorf("%s: no schema %s", at, name)
		}
		return v.check(target, val, at)
	}
	if alts, ok := s["oneOf"].([]any); ok {
		matched := 0
		var errs []string
		for _, a := range alts {
			if err := v.check(a.(map[string]any), val, at); err != nil {
				errs = append(errs, err.Error())
			} else {
				matched++
			}
		}
		if matched != 1 {
			return fmt.Errorf("%s: matches %d of oneOf: %s", at, matched, strings.Join(errs, "; "))
		}
		return nil
	}
	if c, ok := s["const"]; ok && fmt.Sprint(c) != fmt.Sprint(val) {
		return fmt.Errorf("%s: %v, want %v", at, val, c)
	}
	if enum, ok := s["enum"].([]any); ok && !slices.Contains(enum, val) {
		return fmt.Errorf("%s: %v is not one of %v", at, val, enum)
	}
	switch s["type"] {
	case "string":
		if _, ok := val.(string); !ok {
			return fmt.Errorf("%s: %v is not a string", at, val)
		}
	case "integer":
		if f, ok := val.(float64); !ok || f != float64(int64(f)) {
			return fmt.Errorf("%s: %v is not an integer", at, val)
		}
	case "boolean":
		if _, ok := val.(bool); !ok {
			return fmt.Errorf("%s: %v is not a boolean", at, val)
		}
	case "object":
		obj, ok := val.(map[string]any)
		if !ok {
			return fmt.Errorf("%s: %v is not an object", at, val)
		}
		props, _ := s["properties"].(map[string]any)
		for _, r := range asStrings(s["required"]) {
			if _, ok := obj[r]; !ok {
				return fmt.Errorf("%s: no %s", at, r)
			}
		}
		for k, fv := range obj {
			ps, ok := props[k].(map[string]any)
			if !ok {
				if ap, ok := s["additionalProperties"].(map[string]any); ok {
					if err := v.check(ap, fv, at+"."+k); err != nil {
						return err
					}
					continue
				}
				if s["additionalProperties"] == false {
					return fmt.Errorf("%s: %s is not documented", at, k)
				}
				continue
			}
			if err := v.check(ps, fv, at+"."+k); err != nil {
				return err
			}
		}
	}
	return nil
}

func asStrings(v any) []string {
	var out []string
	xs, _ := v.([]any)
	for _, x := range xs {
		out = append(out, x.(string))
	}
	return out
}
