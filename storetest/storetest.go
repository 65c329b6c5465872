// Package storetest is the conformance suite every coffer.Store must pass. A Store's own test
// calls Run with a function that opens a fresh, empty, migrated store.
package storetest

import (
	"testing"

	"github.com/cofferhq/coffer"
)

// Run runs the suite against the stores open returns. open is called once per test, and the
// tests run in parallel, so each call must return a store of its own (its own database file or
// schema), empty and migrated; open registers the store's cleanup with t.Cleanup.
func Run(t *testing.T, open func(t *testing.T) coffer.Store) {
	tests := []struct {
		name string
		test func(t *testing.T, s coffer.Store)
	}{
		{"Ping", testPing},
		{"NotFound", testNotFound},
		{"AssetRoundTrip", testAssetRoundTrip},
		{"AccountRoundTrip", testAccountRoundTrip},
		{"AccountUpdate", testAccountUpdate},
		{"AccountFilter", testAccountFilter},
		{"TransferRoundTrip", testTransferRoundTrip},
		{"TransferUpdate", testTransferUpdate},
		{"TransferFilter", testTransferFilter},
		{"TransferPaging", testTransferPaging},
		{"AccountTransfers", testAccountTransfers},
		{"AccountTransfersLong", testAccountTransfersLong},
		{"ExpiredTransfers", testExpiredTransfers},
		{"PendingTransfers", testPendingTransfers},
		{"EntryRoundTrip", testEntryRoundTrip},
		{"EntryFilter", testEntryFilter},
		{"OperationRoundTrip", testOperationRoundTrip},
		{"OperationFilter", testOperationFilter},
		{"OperationPageSize", testOperationPageSize},
		{"EventSeq", testEventSeq},
		{"EventList", testEventList},
		{"PageSize", testPageSize},
		{"WriteTxReads", testWriteTxReads},
		{"Rollback", testRollback},
		{"TakenIDs", testTakenIDs},
		{"ConcurrentWrites", testConcurrentWrites},
		{"Scan", testScan},
		{"ScanStops", testScanStops},
		{"Keys", testKeys},
		{"KeyEvents", testKeyEvents},
		{"Approvals", testApprovals},
		{"Monitors", testMonitors},
		{"Leases", testLeases},
		{"Cursors", testCursors},
		{"Webhooks", testWebhooks},
		{"WebhookAttempts", testWebhookAttempts},
		{"StatementImports", testStatementImports},
		{"ChainBlocks", testChainBlocks},
		{"Deposits", testDeposits},
		{"DepositListing", testDepositListing},
		{"DepositAddresses", testDepositAddresses},
		{"DepositAddressRaces", testDepositAddressRaces},
		{"SendIntents", testSendIntents},
		{"SendAttempts", testSendAttempts},
		{"SendCancelRace", testSendCancelRace},
		{"ForgetSends", testForgetSends},
		{"DemoWallets", testDemoWallets},
		{"ChainReconciliations", testChainReconciliations},
		{"MinedSendIntents", testMinedSendIntents},
		{"CoinRecords", testCoinRecords},
		{"PaymentQueue", testPaymentQueue},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tt.test(t, open(t))
		})
	}
}

func testPing(t *testing.T, s coffer.Store) {
	if err := s.Ping(t.Context()); err != nil {
		t.Fatalf("Ping: %v", err)
	}
}

// testNotFound checks that every read of one missing thing is ENOTFOUND.
func testNotFound(t *testing.T, s coffer.Store) {
	ctx := t.Context()
	setup(t, s, "alice")
	_, err := s.Asset(ctx, "NOPE")
	wantCode(t, "Asset", err, coffer.ENOTFOUND)
	_, err = s.Account(ctx, "wallet:nobody:USD")
	wantCode(t, "Account", err, coffer.ENOTFOUND)
	_, err = s.Transfer(ctx, "no-such-transfer")
	wantCode(t, "Transfer", err, coffer.ENOTFOUND)
	_, err = s.KeyByHash(ctx, "no-such-hash")
	wantCode(t, "KeyByHash", err, coffer.ENOTFOUND)
	wantCode(t, "RevokeKey", s.RevokeKey(ctx, "no-such-key", t0), coffer.ENOTFOUND)
}
