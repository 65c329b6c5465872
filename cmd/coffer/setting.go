package main

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/pflag"

	"github.com/cofferhq/coffer"
	"github.com/cofferhq/coffer/chain"
	"github.com/cofferhq/coffer/chain/send"
	"github.com/cofferhq/coffer/httpapi"
	"github.com/cofferhq/coffer/ledger"
	"github.com/cofferhq/coffer/paymentqueue"
	"github.com/cofferhq/coffer/postgres"
	"github.com/cofferhq/coffer/webhook"
)

// Config is every setting of the coffer command, as the settings table fills it.
type Config struct {
	// ConfigFile is the YAML file the other settings may come from.
	ConfigFile string

	// The server's.
	Listen          string
	ShutdownTimeout time.Duration
	LogLevel        string
	// DebugAddr, if set, serves Go's profiler (/debug/pprof) there; keep it on loopback.
	DebugAddr string
	// OTLPEndpoint, if set, is where traces are exported (OTLP over HTTP).
	OTLPEndpoint  string
	BatchRequests int
	AdminKey      string
	// CORSOrigins, CORSCredentials and CORSMaxAge are httpapi.CORS: which web pages may call the
	// API from a browser.
	CORSOrigins     []string
	CORSCredentials bool
	CORSMaxAge      time.Duration
	// Metrics turns the Prometheus metrics on; MetricsKeyRequired asks a reader's key for
	// /metrics; MetricsAddr, if set, serves them on a listener of their own instead of the API's.
	Metrics            bool
	MetricsKeyRequired bool
	MetricsAddr        string
	// Compat names the compatibility profiles served beside /v1 (compat.go); CompatKeyHeader,
	// if set, is a header they also read the bare API key from.
	Compat          []string
	CompatKeyHeader string
	// UI serves the operator's dashboard at /ui/.
	UI bool

	// The database's: serve, migrate and verify.
	Database     string
	Migrate      bool
	PoolConnsMax int

	// The ledger's write path and duties.
	BatchSizeMax   int
	BatchWait      time.Duration
	Writers        int
	ExpiryInterval time.Duration
	// Approvals turns maker-checker on: an admin's money move waits for a second admin key.
	Approvals bool
	// ExchangePairs and ExchangePoolFloor are the ledger's exchange policy (see ledger.Config).
	ExchangePairs     map[string]ledger.RateBand
	ExchangePoolFloor map[string]coffer.Amount

	// Sinks are the relay's broker sinks, as URLs (outbox.ParseSink).
	Sinks []string
	// WebhookTimeout bounds one webhook delivery attempt; WebhookSchedule is the wait after
	// each failed attempt at an event, after which the endpoint is dead-lettered.
	WebhookTimeout  time.Duration
	WebhookSchedule []time.Duration
	// CommandSources are the queues and topics commands come from (inbox.Open);
	// CommandSecret, if set, the secret they must be signed with; CommandRole what they may do.
	CommandSources []string
	CommandSecret  string
	CommandRole    string
	// PaymentQueue is the broker of the payment-queue contract (paymentqueue.ParseURL);
	// PaymentQueueKey the key its requests are signed with; PaymentQueueChains its chain names
	// to Coffer's; PaymentQueueWindow how far a request's timestamp may be from the clock.
	PaymentQueue       string
	PaymentQueueKey    string
	PaymentQueueChains map[string]string
	PaymentQueueWindow time.Duration

	// The chain's keys: the seed file, and the secret it is sealed with, given in
	// COFFER_SEED_SECRET or in the file SeedSecretFile.
	SeedFile       string
	SeedSecretFile string
	SeedSecret     string
	// Chains are the EVM chains watched for deposits, and ChainAssets the ledger assets on them.
	Chains      []chain.Chain
	ChainAssets []chain.Asset
	// ChainReconcileInterval is how often the duty reconciles each chain; 0 turns it off.
	ChainReconcileInterval time.Duration
	// Payouts from each chain's hot wallet (m/44'/60'/1'/0/HotWalletIndex of the seed): the
	// highest fee cap in gwei, the blocks before a stuck one is replaced, and the network fee
	// charged to the owner per asset, in minor units.
	HotWalletIndex int
	// HotWalletOwner is the owner whose wallet is credited with the hot wallet's funding: money
	// sent to the hot wallet from outside, seen by the watcher like a deposit.
	HotWalletOwner string
	// HotWalletLowBalance is, per asset, the hot wallet's balance under which the alert
	// CofferHotWalletLow fires, as a decimal in the asset's unit (none: no threshold).
	HotWalletLowBalance map[string]string
	PayoutFeeCapGwei    int
	PayoutBumpBlocks    int
	PayoutNetworkFee    map[string]coffer.Amount
	// Sweeping: the threshold per asset, as a decimal in the asset's unit (none: no sweeping),
	// the address swept to (the hot wallet when empty) and the sweeps' fixed fee cap in gwei.
	SweepThresholds map[string]string
	SweepTo         string
	SweepFeeCapGwei int

	// The clients'.
	Server string
	APIKey string
}

// Defaults that other code refers to.
const (
	listenDefault         = "127.0.0.1:8080"
	databaseDefault       = "data/coffer.db"
	seedFileDefault       = "data/seed.json"
	expiryIntervalDefault = time.Second
	// chainReconcileIntervalDefault: each run reads every custody address's balances at the
	// node, so not much more often than an operator would look.
	chainReconcileIntervalDefault = 10 * time.Minute
	shutdownTimeoutDefault        = 30 * time.Second
	// batchSizeDefault is the ledger's own default, stated here so that help shows it.
	batchSizeDefault = 1000
	// corsMaxAgeDefault is httpapi.CORSMaxAgeDefault as help writes it.
	corsMaxAgeDefault = "2h"
	// payoutFeeCapDefault, in gwei, is far above a normal Ethereum base fee and below what a
	// runaway bid would cost: 500 gwei of a 65,000-gas token transfer is 0.0325 ETH.
	payoutFeeCapDefault = 500
	// hotWalletOwnerDefault is the owner of the hot wallet's funding: an owner name no business
	// is likely to give one of its users.
	hotWalletOwnerDefault = "coffer.hot-wallet"
	// sweepFeeCapDefault, in gwei: a sweep is never urgent, so it waits for a base fee below
	// this, and what a native sweep leaves at its address is 21,000 gas times the cap less
	// the price paid (at most 0.00105 ETH).
	sweepFeeCapDefault = 50
)

// A setting is one of Coffer's knobs: a flag, an environment variable and a config-file key, a
// default, a parser (the pflag.Value it binds) and a one-line meaning. The table below is the
// only place a setting is declared: each command's flags, its help, the README's settings table
// and docs/coffer.example.yaml come from it or are checked against it by a test.
type setting struct {
	flag    string   // the flag, without dashes; "" for none (a secret that ps would show)
	aliases []string // older flag names that still work
	env     string   // the environment variable
	key     string   // the config-file key, section.name; "" for none
	def     string   // the default, as the value is written
	usage   string   // what it means, one line
	secret  bool     // its value is never printed, in help, errors or logs
	value   func(*Config) pflag.Value
}

// settings is the table. Precedence: flag > environment > config file > default.
var settings = []setting{
	{flag: "config", env: "COFFER_CONFIG",
		usage: "a YAML file of settings (see docs/coffer.example.yaml); flags and the environment override it",
		value: func(c *Config) pflag.Value { return textValue{&c.ConfigFile} }},

	{flag: "listen", aliases: []string{"addr"}, env: "COFFER_LISTEN", key: "server.listen", def: listenDefault,
		usage: "where serve listens, host:port (serve --addr is the older spelling)",
		value: func(c *Config) pflag.Value { return listenValue{&c.Listen, false} }},
	{flag: "shutdown-timeout", env: "COFFER_SHUTDOWN_TIMEOUT", key: "server.shutdown_timeout", def: shutdownTimeoutDefault.String(),
		usage: "how long requests in flight may finish after SIGTERM",
		value: func(c *Config) pflag.Value { return durationValue{&c.ShutdownTimeout, time.Second} }},
	{flag: "log-level", env: "COFFER_LOG_LEVEL", key: "server.log_level", def: "info",
		usage: "debug (adds a line per request), info, warn or error",
		value: func(c *Config) pflag.Value {
			return choiceValue{&c.LogLevel, []string{"debug", "info", "warn", "error"}}
		}},
	{flag: "otlp-endpoint", env: "COFFER_OTLP_ENDPOINT", key: "server.otlp_endpoint",
		usage: "export traces (a span per request, ledger command, batch and database write) by OTLP over HTTP to this URL, such as http://127.0.0.1:4318; off when empty",
		value: func(c *Config) pflag.Value { return textValue{&c.OTLPEndpoint} }},
	{flag: "debug-addr", env: "COFFER_DEBUG_ADDR", key: "server.debug_addr",
		usage: "serve Go's profiler (/debug/pprof) on this address; off when empty; keep it on loopback",
		value: func(c *Config) pflag.Value { return listenValue{&c.DebugAddr, true} }},
	{flag: "batch-requests", env: "COFFER_BATCH_REQUESTS", key: "server.batch_requests", def: strconv.Itoa(httpapi.BatchRequestsMaxDefault),
		usage: "batch requests read and applied at once; the rest wait their turn",
		value: func(c *Config) pflag.Value { return wholeValue{&c.BatchRequests, 1} }},
	{flag: "cors-origin", env: "COFFER_CORS_ORIGINS", key: "server.cors_origins",
		usage: "a web origin whose pages may call the API from a browser, such as https://app.example.com, or * for any; a list; off when empty",
		value: func(c *Config) pflag.Value { return originsValue{&c.CORSOrigins} }},
	{flag: "cors-credentials", env: "COFFER_CORS_CREDENTIALS", key: "server.cors_credentials", def: "false",
		usage: "let browsers send cookies to the allowed origins' requests, for a proxy that authenticates by them; not with *",
		value: func(c *Config) pflag.Value { return boolValue{&c.CORSCredentials} }},
	{flag: "cors-max-age", env: "COFFER_CORS_MAX_AGE", key: "server.cors_max_age", def: corsMaxAgeDefault,
		usage: "how long a browser may keep a preflight's answer",
		value: func(c *Config) pflag.Value { return durationValue{&c.CORSMaxAge, time.Second} }},
	{flag: "metrics", env: "COFFER_METRICS", key: "server.metrics", def: "true",
		usage: "count and time the server's work for Prometheus at /metrics (docs/OPERATIONS.md, Metrics); false serves no /metrics and counts nothing",
		value: func(c *Config) pflag.Value { return boolValue{&c.Metrics} }},
	{flag: "metrics-key-required", env: "COFFER_METRICS_KEY_REQUIRED", key: "server.metrics_key_required", def: "false",
		usage: "ask for an API key (any live key: reader or higher) at /metrics, as the API does; else anyone who reaches it may read it",
		value: func(c *Config) pflag.Value { return boolValue{&c.MetricsKeyRequired} }},
	{flag: "metrics-addr", env: "COFFER_METRICS_ADDR", key: "server.metrics_addr",
		usage: "serve /metrics on this address, host:port, instead of the API's listener; empty serves it on --listen",
		value: func(c *Config) pflag.Value { return listenValue{&c.MetricsAddr, true} }},
	{flag: "compat", env: "COFFER_COMPAT", key: "server.compat",
		usage: "serve other systems' HTTP contracts beside /v1, on the same ledger and keys: wallet-demo (README, Coming from the wallet demo), coin-wallet (README, Coming from the coin wallet); a list; off when empty",
		value: func(c *Config) pflag.Value { return compatValue{&c.Compat} }},
	{flag: "compat-key-header", env: "COFFER_COMPAT_KEY_HEADER", key: "server.compat_key_header",
		usage: "a header the --compat profiles also take the bare API key from, such as X-Api-Key, the one a gateway already sends; never no key",
		value: func(c *Config) pflag.Value { return headerValue{&c.CompatKeyHeader} }},
	{flag: "ui", env: "COFFER_UI", key: "server.ui", def: "true",
		usage: "serve the operator's dashboard at /ui/ (signed in with an API key; it shows what the key's role may see); false serves none",
		value: func(c *Config) pflag.Value { return boolValue{&c.UI} }},
	{env: "COFFER_ADMIN_KEY", key: "server.admin_key", secret: true,
		usage: "the bootstrap admin API key; serve refuses to start with no key that works",
		value: func(c *Config) pflag.Value { return textValue{&c.AdminKey} }},

	{flag: "database", env: "COFFER_DATABASE", key: "database.url", def: databaseDefault,
		usage: "a SQLite file path, or a postgres:// URL",
		value: func(c *Config) pflag.Value { return databaseValue{&c.Database} }},
	{flag: "migrate", env: "COFFER_MIGRATE", key: "database.migrate", def: "false",
		usage: "on PostgreSQL, apply pending migrations at start (SQLite always does)",
		value: func(c *Config) pflag.Value { return boolValue{&c.Migrate} }},
	{flag: "pool-size", env: "COFFER_POOL_SIZE", key: "database.pool_size", def: strconv.Itoa(postgres.MaxConnsDefault),
		usage: "PostgreSQL connections of one process",
		value: func(c *Config) pflag.Value { return wholeValue{&c.PoolConnsMax, 1} }},

	{flag: "batch-size", env: "COFFER_BATCH_SIZE", key: "ledger.batch_size", def: strconv.Itoa(batchSizeDefault),
		usage: "most commands written in one database transaction",
		value: func(c *Config) pflag.Value { return wholeValue{&c.BatchSizeMax, 1} }},
	{flag: "batch-wait", env: "COFFER_BATCH_WAIT", key: "ledger.batch_wait", def: "0s",
		usage: "how long a writer holding a batch that is not full waits for more; 0s writes at once",
		value: func(c *Config) pflag.Value { return durationValue{&c.BatchWait, 0} }},
	{flag: "writers", env: "COFFER_WRITERS", key: "ledger.writers", def: "0",
		usage: "batches in flight at once; 0 means 1 on SQLite, 2 on PostgreSQL",
		value: func(c *Config) pflag.Value { return wholeValue{&c.Writers, 0} }},
	{flag: "expiry-interval", env: "COFFER_EXPIRY_INTERVAL", key: "ledger.expiry_interval", def: expiryIntervalDefault.String(),
		usage: "how often due holds and withdrawals are expired",
		value: func(c *Config) pflag.Value { return durationValue{&c.ExpiryInterval, time.Millisecond} }},
	{flag: "approvals", env: "COFFER_APPROVALS", key: "ledger.approvals", def: "false",
		usage: "maker-checker: an adjustment (any admin money move) is a request that a second admin key approves before it is applied (POST /v1/approvals/{id}/approve)",
		value: func(c *Config) pflag.Value { return boolValue{&c.Approvals} }},
	{flag: "exchange-pair", env: "COFFER_EXCHANGE_PAIRS", key: "exchange.pairs",
		usage: "a pair and its band of rates, units of TO per FROM, such as USD/EUR=0.90:0.95; a list; */* bounds every other pair; no exchange without one",
		value: func(c *Config) pflag.Value { return pairsValue{&c.ExchangePairs} }},
	{flag: "exchange-pool-floor", env: "COFFER_EXCHANGE_POOL_FLOORS", key: "exchange.pool_floors",
		usage: "how low an asset's exchange pool may go, in minor units, such as EUR=-100000; a list; default 0: a pool pays out only what it holds",
		value: func(c *Config) pflag.Value { return floorsValue(&c.ExchangePoolFloor) }},

	{flag: "sink", env: "COFFER_SINKS", key: "events.sinks",
		usage: "a broker the relay publishes every event to: amqp://user:pass@host:5672/vhost?exchange=coffer.events, nats://host:4222?stream=COFFER_EVENTS or kafka://host1:9092,host2:9092?topic=coffer.events; a list (spaces between them in COFFER_SINKS)",
		value: func(c *Config) pflag.Value { return sinksValue{&c.Sinks} }},

	{flag: "webhook-timeout", env: "COFFER_WEBHOOK_TIMEOUT", key: "events.webhook_timeout", def: webhook.TimeoutDefault.String(),
		usage: "how long a webhook endpoint has to answer a delivery with 2xx before the attempt counts as failed",
		value: func(c *Config) pflag.Value { return durationValue{&c.WebhookTimeout, time.Millisecond} }},
	{flag: "webhook-schedule", env: "COFFER_WEBHOOK_SCHEDULE", key: "events.webhook_schedule", def: scheduleValue{&webhook.ScheduleDefault}.String(),
		usage: "the waits after each failed webhook attempt at an event (each spread by up to 10% either way); when they run out the endpoint is dead-lettered",
		value: func(c *Config) pflag.Value { return scheduleValue{&c.WebhookSchedule} }},

	{flag: "command-source", env: "COFFER_COMMAND_SOURCES", key: "commands.sources",
		usage: "a queue or topic of write commands: amqp://user:pass@host:5672/vhost?queue=coffer.commands or kafka://host:9092?topic=coffer.commands&group=coffer; a list (spaces between them in COFFER_COMMAND_SOURCES)",
		value: func(c *Config) pflag.Value { return sourcesValue{&c.CommandSources} }},
	{env: "COFFER_COMMAND_SECRET", key: "commands.secret", secret: true,
		usage: "if set, every command must be signed with this shared secret (HMAC-SHA256, see docs/COMMANDS.md)",
		value: func(c *Config) pflag.Value { return textValue{&c.CommandSecret} }},
	{flag: "command-role", env: "COFFER_COMMAND_ROLE", key: "commands.role", def: "operator",
		usage: "what commands from the queues may do: operator, or admin to allow creating assets and adjustments",
		value: func(c *Config) pflag.Value { return choiceValue{&c.CommandRole, []string{"operator", "admin"}} }},
	{flag: "payment-queue", env: "COFFER_PAYMENT_QUEUE", key: "commands.payment_queue",
		usage: "serve the mining pool payment system's RabbitMQ contract on this broker: amqp://user:pass@host:5672/vhost, its exchange, queues and routing keys 004's unless the URL's parameters say otherwise (see docs/PAYMENT_QUEUE.md); off when empty",
		value: func(c *Config) pflag.Value { return paymentQueueValue{&c.PaymentQueue} }},
	{env: "COFFER_PAYMENT_QUEUE_KEY", key: "commands.payment_queue_key", secret: true,
		usage: "the shared key the payment queue's requests are signed with (HMAC-SHA256, see docs/PAYMENT_QUEUE.md); required with --payment-queue",
		value: func(c *Config) pflag.Value { return textValue{&c.PaymentQueueKey} }},
	{flag: "payment-queue-chain", env: "COFFER_PAYMENT_QUEUE_CHAINS", key: "commands.payment_queue_chains",
		usage: "which configured chain a chain name of the payment queue's messages is, such as ETH=ethereum; a list; default ETH is the one chain configured",
		value: func(c *Config) pflag.Value { return chainNamesValue{&c.PaymentQueueChains} }},
	{flag: "payment-queue-window", env: "COFFER_PAYMENT_QUEUE_WINDOW", key: "commands.payment_queue_window", def: paymentqueue.SignatureWindowDefault.String(),
		usage: "how far a payment queue request's signed timestamp may be from this server's clock",
		value: func(c *Config) pflag.Value { return durationValue{&c.PaymentQueueWindow, time.Second} }},

	{flag: "seed-file", env: "COFFER_SEED_FILE", key: "chain.seed_file", def: seedFileDefault,
		usage: "the seed file: the mnemonic of the deposit addresses and keys, sealed with the seed secret (coffer chain init writes it)",
		value: func(c *Config) pflag.Value { return pathValue{&c.SeedFile, false} }},
	{flag: "seed-secret-file", env: "COFFER_SEED_SECRET_FILE", key: "chain.seed_secret_file",
		usage: "a file holding the seed secret, when COFFER_SEED_SECRET does not; a trailing newline is not part of it",
		value: func(c *Config) pflag.Value { return pathValue{&c.SeedSecretFile, true} }},
	{env: "COFFER_SEED_SECRET", secret: true,
		usage: "the secret the seed file is sealed with (scrypt, AES-256-GCM); environment only, never a flag or the config file; or --seed-secret-file",
		value: func(c *Config) pflag.Value { return textValue{&c.SeedSecret} }},

	{flag: "chain", env: "COFFER_CHAINS", key: "chain.chains",
		usage: "an EVM chain to watch for deposits: dev for a chain inside the process with ETH and USDT, or name=ethereum,id=1,rpc=https://node.example/KEY[,rpc=...][,confirmations=20][,poll=4s][,blocks=1000]; a list (spaces between them in COFFER_CHAINS)",
		value: func(c *Config) pflag.Value { return chainsValue{&c.Chains} }},
	{flag: "chain-asset", env: "COFFER_CHAIN_ASSETS", key: "chain.assets",
		usage: "a ledger asset on a chain, its decimals pinned: code=USDT,chain=ethereum,contract=0xdAC17F958D2ee523a2206206994597C13D831ec7,decimals=6, or without contract the chain's coin; a list (spaces between them in COFFER_CHAIN_ASSETS)",
		value: func(c *Config) pflag.Value { return chainAssetsValue{&c.ChainAssets} }},
	{flag: "chain-reconcile-interval", env: "COFFER_CHAIN_RECONCILE_INTERVAL", key: "chain.reconcile_interval", def: chainReconcileIntervalDefault.String(),
		usage: "how often each chain's custody is reconciled against the chain at a pinned block (the results at GET /v1/reconciliations/chain); 0 turns it off",
		value: func(c *Config) pflag.Value { return durationValue{&c.ChainReconcileInterval, 0} }},

	{flag: "hot-wallet-index", env: "COFFER_HOT_WALLET_INDEX", key: "chain.hot_wallet_index", def: "0",
		usage: "the hot wallet that sends payouts on every chain: the seed's key at m/44'/60'/1'/0/INDEX, the same address on each chain",
		value: func(c *Config) pflag.Value { return wholeValue{&c.HotWalletIndex, 0} }},
	{flag: "hot-wallet-owner", env: "COFFER_HOT_WALLET_OWNER", key: "chain.hot_wallet_owner", def: hotWalletOwnerDefault,
		usage: "the owner whose wallet is credited with what arrives at the hot wallet from outside (its funding), seen and confirmed like a deposit, so that the ledger's custody of the hot wallet matches the chain",
		value: func(c *Config) pflag.Value { return textValue{&c.HotWalletOwner} }},
	{flag: "hot-wallet-low-balance", env: "COFFER_HOT_WALLET_LOW_BALANCE", key: "chain.hot_wallet_low_balance",
		usage: "the hot wallet's balance of an asset under which it is low, in the asset's unit, such as USDT=1000 or ETH=0.5: exported as coffer_hot_wallet_low_balance beside the balance read from the chain, for the alert CofferHotWalletLow; a list; default none",
		value: func(c *Config) pflag.Value { return thresholdsValue(&c.HotWalletLowBalance) }},
	{flag: "payout-fee-cap", env: "COFFER_PAYOUT_FEE_CAP", key: "chain.payout_fee_cap", def: strconv.Itoa(payoutFeeCapDefault),
		usage: "the highest fee cap (max fee per gas) in gwei a payout's transaction may bid, replacements included; at the cap a stuck payout is sent again as it is",
		value: func(c *Config) pflag.Value { return wholeValue{&c.PayoutFeeCapGwei, 1} }},
	{flag: "payout-bump-blocks", env: "COFFER_PAYOUT_BUMP_BLOCKS", key: "chain.payout_bump_blocks", def: strconv.Itoa(send.BumpBlocksDefault),
		usage: "how many blocks a payout's transaction may wait unmined before it is replaced with both fees raised 15%",
		value: func(c *Config) pflag.Value { return wholeValue{&c.PayoutBumpBlocks, 1} }},
	{flag: "payout-network-fee", env: "COFFER_PAYOUT_NETWORK_FEES", key: "chain.payout_network_fees",
		usage: "what a payout of an asset charges its owner for the network on top of the amount, in minor units, such as USDT=1000000; held with the payout, kept when it is confirmed, given back when it fails; a list; default none",
		value: func(c *Config) pflag.Value { return floorsValue(&c.PayoutNetworkFee) }},
	{flag: "sweep-threshold", env: "COFFER_SWEEP_THRESHOLDS", key: "chain.sweep_thresholds",
		usage: "sweep a deposit address once the ledger holds at least this much of an asset there, in the asset's unit, such as USDT=100 or ETH=0.5; a list; default none: no sweeping",
		value: func(c *Config) pflag.Value { return thresholdsValue(&c.SweepThresholds) }},
	{flag: "sweep-to", env: "COFFER_SWEEP_TO", key: "chain.sweep_to",
		usage: "the address deposit addresses are swept to, on every chain: a cold address (kept as Coffer's custody); default the hot wallet",
		value: func(c *Config) pflag.Value { return textValue{&c.SweepTo} }},
	{flag: "sweep-fee-cap", env: "COFFER_SWEEP_FEE_CAP", key: "chain.sweep_fee_cap", def: strconv.Itoa(sweepFeeCapDefault),
		usage: "the fee cap (max fee per gas) in gwei fixed in every sweep and gas top-up; sweeps wait while the base fee is above it",
		value: func(c *Config) pflag.Value { return wholeValue{&c.SweepFeeCapGwei, 1} }},

	{flag: "addr", env: "COFFER_ADDR", key: "client.addr", def: "http://" + listenDefault,
		usage: "where client commands find the server: an http:// or https:// URL, or host:port",
		value: func(c *Config) pflag.Value { return serverValue{&c.Server} }},
	{flag: "key", env: "COFFER_API_KEY", key: "client.key", secret: true,
		usage: "the API key client commands send",
		value: func(c *Config) pflag.Value { return textValue{&c.APIKey} }},
}

// Which settings each kind of command takes, by flag (or environment variable, for those
// without a flag).
var (
	databaseSettings = []string{"database"}
	serveSettings    = []string{"listen", "shutdown-timeout", "log-level", "debug-addr", "otlp-endpoint", "batch-requests",
		"cors-origin", "cors-credentials", "cors-max-age", "metrics", "metrics-key-required", "metrics-addr", "compat", "compat-key-header", "ui", "COFFER_ADMIN_KEY", "database", "migrate", "pool-size", "batch-size", "batch-wait", "writers",
		"expiry-interval", "approvals", "exchange-pair", "exchange-pool-floor", "sink", "webhook-timeout", "webhook-schedule",
		"command-source", "COFFER_COMMAND_SECRET", "command-role",
		"payment-queue", "COFFER_PAYMENT_QUEUE_KEY", "payment-queue-chain", "payment-queue-window",
		"chain", "chain-asset", "chain-reconcile-interval", "seed-file", "seed-secret-file", "COFFER_SEED_SECRET",
		"hot-wallet-index", "hot-wallet-owner", "hot-wallet-low-balance", "payout-fee-cap", "payout-bump-blocks", "payout-network-fee",
		"sweep-threshold", "sweep-to", "sweep-fee-cap"}
	clientSettings = []string{"addr", "key"}
	chainSettings  = []string{"seed-file", "seed-secret-file", "COFFER_SEED_SECRET"}
)

// lookupSetting returns the setting with the flag or environment variable name.
func lookupSetting(name string) *setting {
	for i := range settings {
		if s := &settings[i]; s.flag == name || s.env == name {
			return s
		}
	}
	panic("coffer: no setting " + name) // a wiring mistake
}

// settingByKey returns the setting with the config-file key, or nil.
func settingByKey(key string) *setting {
	for i := range settings {
		if settings[i].key != "" && settings[i].key == key {
			return &settings[i]
		}
	}
	return nil
}

// help is the setting's line in a command's help.
func (s *setting) help() string {
	where := "env " + s.env
	if s.key != "" {
		where += ", config " + s.key
	}
	return fmt.Sprintf("%s (%s)", s.usage, where)
}

// databaseValue is a SQLite path or a PostgreSQL URL; neither may be empty.
type databaseValue struct{ p *string }

func (v databaseValue) String() string { return *v.p }
func (v databaseValue) Type() string   { return "path|url" }

func (v databaseValue) Set(s string) error {
	if strings.TrimSpace(s) == "" {
		return fmt.Errorf("is empty; give a SQLite file path or a postgres:// URL")
	}
	*v.p = s
	return nil
}
