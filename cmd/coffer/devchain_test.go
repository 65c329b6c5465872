package main

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cofferhq/coffer/chain"
	"github.com/cofferhq/coffer/client"
	"github.com/cofferhq/coffer/ledger"
	"github.com/cofferhq/coffer/sqlite"
)

// syncBuffer is a log destination that tests read while the server writes.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// devSeed makes a seed file with chain init and returns its path, the secret file's and the
// mnemonic chain init printed.
func devSeed(t *testing.T) (seedFile, secretFile, mnemonic string) {
	t.Helper()
	dir := t.TempDir()
	seedFile, secretFile = filepath.Join(dir, "seed.json"), filepath.Join(dir, "secret")
	if err := os.WriteFile(secretFile, []byte(testSeedSecret+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	code, out, errOut := chainCLI(nil, "", "chain", "init", "--seed-file", seedFile, "--seed-secret-file", secretFile)
	if code != 0 {
		t.Fatalf("chain init: %d %s", code, errOut)
	}
	var words []string
	for _, line := range strings.Split(out, "\n") {
		if numberedLine.MatchString(line) {
			for _, m := range numberedWord.FindAllStringSubmatch(line, -1) {
				words = append(words, m[2])
			}
		}
	}
	if len(words) != 24 {
		t.Fatalf("chain init printed %d words: %q", len(words), out)
	}
	return seedFile, secretFile, strings.Join(words, " ")
}

// startDevServer runs serve --chain dev in the test's process, its logs kept, until the test
// ends.
func startDevServer(t *testing.T, cfg Config) (*server, *syncBuffer) {
	t.Helper()
	s, logs, _ := runDevServer(t, cfg)
	return s, logs
}

// runDevServer is startDevServer that also returns a stop, which stops the server and waits
// for it to end (a clean shutdown); the test's end stops it too.
func runDevServer(t *testing.T, cfg Config) (*server, *syncBuffer, func()) {
	t.Helper()
	logs := &syncBuffer{}
	ctx, cancel := context.WithCancel(context.Background())
	ready := make(chan string, 1)
	done := make(chan error, 1)
	go func() {
		done <- runServer(ctx, cfg, slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})), ready)
	}()
	s := &server{t: t, database: cfg.Database}
	select {
	case s.addr = <-ready:
	case err := <-done:
		cancel()
		t.Fatalf("server did not start: %v\n%s", err, logs)
	}
	var once sync.Once
	stop := func() {
		once.Do(func() {
			cancel()
			if err := <-done; err != nil {
				t.Errorf("server: %v", err)
			}
			if t.Failed() {
				t.Logf("server logs:\n%s", logs)
			}
		})
	}
	t.Cleanup(stop)
	return s, logs, stop
}

func devConfig(t *testing.T, seedFile, secretFile string) Config {
	t.Helper()
	cfg := Config{Listen: "127.0.0.1:0", Database: filepath.Join(t.TempDir(), "coffer.db"), AdminKey: testAdminKey,
		ExpiryInterval: time.Hour, ShutdownTimeout: 10 * time.Second, SeedFile: seedFile, SeedSecretFile: secretFile}
	if err := (chainsValue{&cfg.Chains}).Set("dev"); err != nil {
		t.Fatal(err)
	}
	return cfg
}

// TestDevChainDeposits walks the README's first session on the dev chain: an owner's deposit
// address, USDT and ETH sent to it by the dev chain's faucet, the deposits pending (incoming,
// not available) and then confirmed (available), once, the ledger verified clean. Neither the
// mnemonic nor the seed secret reaches the server's log.
func TestDevChainDeposits(t *testing.T) {
	t.Parallel()
	seedFile, secretFile, mnemonic := devSeed(t)
	s, logs := startDevServer(t, devConfig(t, seedFile, secretFile))
	var addr client.DepositAddress
	s.json(&addr, "address", "alice", "--asset", "USDT")
	if _, err := chain.ParseAddress(addr.Address); err != nil || addr.Address != strings.TrimSpace(addr.Address) || addr.Index != 0 {
		t.Fatalf("address %+v: %v", addr, err)
	}
	var usdt, eth client.DevFunding
	s.json(&usdt, "dev", "fund", "--to", strings.ToLower(addr.Address), "--asset", "USDT", "--amount", "25")
	s.json(&eth, "dev", "fund", "--to", addr.Address, "--asset", "ETH", "--amount", "0.5")
	if usdt.To != addr.Address || usdt.Amount != "25.000000" || eth.Amount != "0.500000000000000000" {
		t.Fatalf("fundings %+v %+v", usdt, eth)
	}

	// Follow the events until both deposits are confirmed, checking the balances when both are
	// pending.
	cl := client.New("http://"+s.addr, testAdminKey)
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	pending, confirmed := map[string]client.DepositNotice{}, map[string]client.DepositNotice{}
	var after uint64
	for len(confirmed) < 2 {
		page, err := cl.WaitEvents(ctx, after, 100, 10*time.Second)
		if err != nil {
			t.Fatalf("events: %v (pending %v, confirmed %v)", err, pending, confirmed)
		}
		for _, e := range page.Events {
			after = e.Seq
			var n client.DepositNotice
			switch e.Type {
			case "deposit.pending", "deposit.confirmed":
				if err := json.Unmarshal(e.Data, &n); err != nil {
					t.Fatal(err)
				}
			default:
				continue
			}
			if n.Owner == hotWalletOwnerDefault {
				continue // the dev chain's funding of the hot wallet at start
			}
			if n.TxHash != usdt.TxHash && n.TxHash != eth.TxHash {
				t.Fatalf("a deposit no one sent: %+v", n)
			}
			if n.Address != addr.Address || n.Owner != "alice" || n.ConfirmationsRequired != devConfirmations || n.Chain != "dev" {
				t.Fatalf("notice %+v", n)
			}
			if e.Type == "deposit.pending" {
				if _, twice := pending[n.Key]; twice {
					t.Fatalf("deposit %s pending twice", n.Key)
				}
				pending[n.Key] = n
				if len(pending) == 2 && len(confirmed) == 0 {
					s.wantBalances("alice", map[string][2]string{"USDT": {"0.000000", "25.000000"}, "ETH": {"0.000000000000000000", "0.500000000000000000"}})
				}
				continue
			}
			if _, seen := pending[n.Key]; !seen {
				t.Fatalf("deposit %s confirmed before it was pending", n.Key)
			}
			if _, twice := confirmed[n.Key]; twice {
				t.Fatalf("deposit %s confirmed twice", n.Key)
			}
			if n.Confirmations < devConfirmations {
				t.Fatalf("confirmed at %d confirmations: %+v", n.Confirmations, n)
			}
			confirmed[n.Key] = n
		}
	}
	s.wantBalances("alice", map[string][2]string{"USDT": {"25.000000", "0.000000"}, "ETH": {"0.500000000000000000", "0.000000000000000000"}})
	// Alice's two deposits and the hot wallet's two fundings at start, in earlier blocks.
	if rep, err := cl.Verify(ctx); err != nil || !rep.OK || rep.Transfers != 4 {
		t.Fatalf("verify: %+v %v", rep, err)
	}
	// The chain agrees with the ledger's custody of the deposit address and the hot wallet,
	// though the dev chain goes on mining meanwhile.
	var rec client.ChainReconciliation
	s.json(&rec, "reconcile-chain", "--id", "chain-1", "--chain", "dev")
	if rec.Status != "matched" || len(rec.Lines) != 0 || rec.Addresses != 2 || rec.Assets != 2 || rec.BlockHash == "" {
		t.Fatalf("chain reconciliation %+v", rec)
	}
	// The deposits and the chain as the API lists them. The watcher records a deposit's new
	// status right after the ledger wrote its event, so the listing may lag the event a moment.
	var deps *client.ChainDepositPage
	for {
		var err error
		if deps, err = cl.Deposits(ctx, client.ChainDepositsQuery{Owner: "alice", Status: "confirmed"}); err != nil {
			t.Fatal(err)
		}
		if len(deps.Deposits) == 2 {
			break
		}
		select {
		case <-ctx.Done():
			t.Fatalf("deposits %+v", deps)
		case <-time.After(50 * time.Millisecond):
		}
	}
	for _, d := range deps.Deposits {
		if d.Status != "confirmed" || d.To != addr.Address || d.Confirmations < devConfirmations || d.ConfirmationsRequired != devConfirmations {
			t.Fatalf("deposit %+v", d)
		}
	}
	var chains client.ChainList
	s.json(&chains, "chains")
	if len(chains.Chains) != 1 || chains.Chains[0].Name != "dev" || chains.Chains[0].ChainID != 1337 ||
		chains.Chains[0].Cursor == nil || !chains.Chains[0].Watcher.Running {
		t.Fatalf("chains %+v", chains)
	}
	// Bad requests change nothing.
	for _, tc := range []struct{ to, asset, amount, want string }{
		{flipCase(addr.Address), "USDT", "1", "wrong EIP-55 checksum"},
		{addr.Address, "BTC", "1", `asset "BTC" is not on the dev chain; it has ETH and USDT`},
		{addr.Address, "USDT", "0.0000001", "at most 6 decimals"},
		{addr.Address, "USDT", "-1", "must be a positive decimal"},
	} {
		s.fails(testAdminKey, 1, tc.want, "dev", "fund", "--to", tc.to, "--asset", tc.asset, "--amount", tc.amount)
	}
	for _, secret := range []string{mnemonic, testSeedSecret} {
		if strings.Contains(logs.String(), secret) {
			t.Fatalf("the server's log holds key material")
		}
	}
}

// wantBalances checks the owner's available and incoming amounts per asset.
func (s *server) wantBalances(owner string, want map[string][2]string) {
	s.t.Helper()
	var b client.Balances
	s.json(&b, "balances", owner)
	got := map[string][2]string{}
	for _, a := range b.Balances {
		got[a.Asset] = [2]string{a.Available, a.Incoming}
	}
	for asset, w := range want {
		if got[asset] != w {
			s.t.Fatalf("%s's %s available, incoming %v; want %v", owner, asset, got[asset], w)
		}
	}
}

// TestServeChainsRefused: a chain without the seed, with the wrong secret, or an asset whose
// scale disagrees, stops serve at start with a sentence saying what to do.
func TestServeChainsRefused(t *testing.T) {
	t.Parallel()
	seedFile, secretFile, _ := devSeed(t)
	wrong := filepath.Join(t.TempDir(), "wrong")
	if err := os.WriteFile(wrong, []byte("not the secret"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		edit func(*Config)
		want string
	}{
		{"no seed file", func(c *Config) { c.SeedFile = filepath.Join(t.TempDir(), "none.json") },
			"does not exist: make it with coffer chain init"},
		{"no secret", func(c *Config) { c.SeedSecretFile = "" }, "no seed secret"},
		{"wrong secret", func(c *Config) { c.SeedSecretFile = wrong }, "the seed secret does not open the seed file"},
		{"assets without chains", func(c *Config) {
			c.Chains = nil
			(chainAssetsValue{&c.ChainAssets}).Set("code=ETH,chain=ethereum,decimals=18")
		}, "assets are configured on no chain"},
		{"asset on no chain", func(c *Config) {
			(chainAssetsValue{&c.ChainAssets}).Set("code=BNB,chain=bsc,decimals=18")
		}, `asset BNB is on chain "bsc", which is not configured`},
		{"asset of another scale", func(c *Config) {
			store, err := sqlite.Open(t.Context(), c.Database)
			if err != nil {
				t.Fatal(err)
			}
			l := ledger.New(store, ledger.Config{Logger: slog.New(slog.DiscardHandler)})
			_, err = l.Do(t.Context(), ledger.CreateAsset{Code: "USDT", Scale: 2})
			l.Close()
			store.Close()
			if err != nil {
				t.Fatal(err)
			}
		}, "asset USDT is in the ledger with scale 2, and the chain's has 6 decimals"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := devConfig(t, seedFile, secretFile)
			tc.edit(&cfg)
			err := runServer(t.Context(), cfg, slog.New(slog.DiscardHandler), nil)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("%v; want %q", err, tc.want)
			}
		})
	}
}

// flipCase changes the case of the first letter of a checksummed address's digits: a
// mixed-case address whose checksum is wrong.
func flipCase(a string) string {
	b := []byte(a)
	for i := 2; i < len(b); i++ {
		switch {
		case b[i] >= 'a' && b[i] <= 'f':
			b[i] -= 'a' - 'A'
			return string(b)
		case b[i] >= 'A' && b[i] <= 'F':
			b[i] += 'a' - 'A'
			return string(b)
		}
	}
	panic("an address without letters: " + a)
}
