package httpapi

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"
	"go.opentelemetry.io/otel/trace/noop"
	"log/slog"
	"net/http"
	"path"
	"runtime/debug"
	"strings"
	"sync"
	"time"

	"golang.org/x/sync/semaphore"

	"github.com/cofferhq/coffer"
	"github.com/cofferhq/coffer/activity"
	"github.com/cofferhq/coffer/approval"
	"github.com/cofferhq/coffer/chain/address"
	"github.com/cofferhq/coffer/chain/chainrecon"
	"github.com/cofferhq/coffer/chain/chainview"
	"github.com/cofferhq/coffer/chain/payout"
	"github.com/cofferhq/coffer/client"
	"github.com/cofferhq/coffer/internal/broadcast"
	"github.com/cofferhq/coffer/internal/strict"
	"github.com/cofferhq/coffer/ledger"
	"github.com/cofferhq/coffer/reconcile/match"
	"github.com/cofferhq/coffer/webhook"
)

// Limits on requests.
const (
	// BodyBytesMaxDefault caps a request body: the largest single command, metadata included,
	// is a few kilobytes, and a cap keeps a hostile client from filling memory.
	BodyBytesMaxDefault = 1 << 20
	// BatchBodyBytesMaxDefault caps the body of POST /v1/transfers/batch: BatchItemsMax transfers
	// of about 400 bytes each.
	BatchBodyBytesMaxDefault = 4 << 20
	// BatchRequestsMaxDefault is enough batch requests at once to keep two writers busy with
	// full batches while the next ones are decoded.
	BatchRequestsMaxDefault = 4
	// BatchItemsMax caps the transfers of one batch request, the ledger's own limit on a linked
	// group. The decoder counts them as they arrive and refuses the batch as the next one starts.
	BatchItemsMax = 10_000
	// BatchReadTimeoutDefault bounds how long a batch request may take to send its body once
	// its turn has come: a body of BatchBodyBytesMaxDefault crosses any link between servers in
	// well under a second, and a client that trickles its body must not hold one of the few
	// turns for longer.
	BatchReadTimeoutDefault = 10 * time.Second
	// TimeoutSecondsMax caps the timeout of a pending transfer (a withdrawal, a hold): a year is
	// longer than any payout or reservation should wait.
	TimeoutSecondsMax = 366 * 24 * 60 * 60
	// textLengthMax caps free text: reasons, key names, destinations.
	textLengthMax = coffer.ReferenceLengthMax
	// requestIDLengthMax caps a client-chosen X-Request-Id; a longer or odd one is replaced.
	requestIDLengthMax = 128
)

// Config configures a Server.
type Config struct {
	// Ledger applies every write.
	Ledger *ledger.Ledger
	// Store serves reads and API keys. Default: the ledger's store.
	Store coffer.Store
	// Operations lists the recorded operations. Default: Store, which is one in both stores.
	Operations coffer.OperationStore
	// AdminKey is the bootstrap admin key, accepted besides the stored keys; empty accepts none.
	AdminKey string
	// Logger receives one line per request and every internal error. Default: slog.Default().
	Logger *slog.Logger
	// BodyBytesMax caps request bodies. Default BodyBytesMaxDefault.
	BodyBytesMax int64
	// BatchBodyBytesMax caps the body of the batch endpoint. Default BatchBodyBytesMaxDefault.
	BatchBodyBytesMax int64
	// BatchRequestsMax is how many batch requests are read and applied at once; the others wait
	// their turn, first come first served, before their bodies are read. It bounds the memory
	// that batches in flight hold: each is up to BatchItemsMax transfers decoded, queued and
	// rendered. Default BatchRequestsMaxDefault.
	BatchRequestsMax int
	// BatchReadTimeout bounds how long a batch request may take to send its body once its turn
	// has come; past it the request is refused. Default BatchReadTimeoutDefault.
	BatchReadTimeout time.Duration
	// Leases lists the background duties' leases for GET /v1/duties. Default: Store, if it
	// keeps them.
	Leases coffer.LeaseStore
	// Sinks reports the relay's sinks for GET /v1/sinks. Default: none.
	Sinks func(ctx context.Context) ([]client.Sink, error)
	// Committed, if set, is notified at each commit: GET /v1/events?wait= answers at once then.
	Committed *broadcast.Signal
	// EventPoll is how often a waiting GET /v1/events looks for events other processes
	// committed. Default EventPollDefault.
	EventPoll time.Duration
	// Webhooks manages the webhook endpoints for /v1/webhooks; its Changed hook tells the relay.
	// Default: a service on Store, if it keeps them, with no hook (the relay sees changes at its
	// next reload); otherwise those routes answer unavailable.
	Webhooks *webhook.Service
	// DepositAddresses gives owners their deposit addresses for /v1/owners/{owner}/addresses.
	// Default: none, and those routes answer unavailable.
	DepositAddresses *address.Service
	// DevFund, set when the server runs the embedded dev chain, has its faucet pay an address
	// for POST /v1/dev/fund. Default: none, and that route answers not found.
	DevFund func(ctx context.Context, req client.DevFundRequest) (client.DevFunding, error)
	// Tracer, if set, makes a span of each request, named by its route, the parent of the
	// ledger's spans of its commands. Default: none.
	Tracer trace.Tracer
	// Payouts requests, lists and cancels payouts: POST /v1/withdrawals and /v1/payments with a
	// chain, /v1/payouts. Its listing reads Store, which must be a payout.Lister. Default: none,
	// and those answer unavailable.
	Payouts *payout.Service
	// Chains answers GET /v1/deposits (the deposits seen on the chains) and GET /v1/chains.
	// Default: none, and those routes answer unavailable: this server watches no chains.
	Chains *chainview.Service
	// ChainReconcilers reconcile each chain, by its name, for POST /v1/reconciliations/chain.
	// Default: none, and that route answers unavailable.
	ChainReconcilers map[string]*chainrecon.Reconciler
	// Statements imports statements and resolves their exceptions for /v1/statement-imports
	// and /v1/statement-imports/{id}/exceptions. Default: a service on Store, if it keeps them,
	// spooling to the system's temporary folder; otherwise those routes answer unavailable.
	Statements *match.Service
	// Observer, if set, is told of every request and every integrity check: the metrics' hook.
	// Default: none.
	Observer Observer
	// Metrics, if set, is served at GET /metrics (the Prometheus exposition), to a key of
	// MetricsRole or higher, or to anyone when MetricsRole is empty. Default: none, and
	// /metrics is not found.
	Metrics     http.Handler
	MetricsRole coffer.Role
	// Activity, if set, records every request but the event stream's long polls and the
	// overview itself, and every integrity check, for GET /v1/overview. Default: none, and the
	// overview shows no activity.
	Activity *activity.Recorder
	// ApprovalsRequired turns maker-checker on: an adjustment (and any other admin money move)
	// is then a request that another admin key approves (POST /v1/approvals/{id}/approve)
	// before it is applied. The store must keep approvals (coffer.ApprovalStore).
	ApprovalsRequired bool
}

// Observer is told what the server did. Its methods are called on the requests' goroutines, so
// they must return at once and be safe for concurrent use.
type Observer interface {
	// Request is called as each request ends: route is its route's pattern as the routes table
	// has it ("POST /v1/transfers/{id}/post"), or RouteUnmatched; status is the answer's.
	Request(route string, status int, took time.Duration)
	// Verified is called after each integrity check that ran to its end, with the number of
	// violations it reported.
	Verified(violations int)
}

// RouteUnmatched is the route of a request that matched none in the routes table.
const RouteUnmatched = "unmatched"

// Server is the HTTP handler of the API.
type Server struct {
	cfg        Config
	ledger     *ledger.Ledger
	store      coffer.Store
	operations coffer.OperationStore // nil if the store lists none
	log        *slog.Logger
	mux        *http.ServeMux
	auth       *authenticator
	assets     assetCache
	accounts   accountAssetCache
	routes     []route
	batches    *semaphore.Weighted // turns of Config.BatchRequestsMax
	stopping   chan struct{}       // closed by StopWaiting
	tracer     trace.Tracer
	stopOnce   sync.Once
	approvals  *approval.Service // nil if the store keeps no approvals
}

// A route is one endpoint: a ServeMux pattern, the role a key needs ("" for none), the handler,
// which returns the status and body of a success or an error, and the query parameters it
// takes (any other is refused).
type route struct {
	method, path string
	role         coffer.Role
	handle       func(r *http.Request) (int, any, error)
	query        []string
}

// muxPaths are the patterns ServeMux gets in place of a route's path ("METHOD path"), where
// the path would conflict with another route's: a wildcard stands for a literal segment of
// the path, and endpoint answers not_found unless the request has the literal there.
var muxPaths = map[string]string{
	// A statement import is a reconciliation against a statement, and its exceptions are
	// served under /v1/reconciliations too. That path and /v1/reconciliations/chain/{id} would
	// both match /v1/reconciliations/chain/exceptions, which ServeMux refuses; under {part} the
	// chain's route is the more specific and wins that one path.
	"GET /v1/reconciliations/{id}/exceptions": "/v1/reconciliations/{id}/{part}",
}

// muxPath returns the pattern ServeMux gets for rt.
func (rt route) muxPath() string {
	if p, ok := muxPaths[rt.method+" "+rt.path]; ok {
		return p
	}
	return rt.path
}

// New returns a Server. It panics if cfg has no Ledger: that is a wiring mistake.
func New(cfg Config) *Server {
	if cfg.Ledger == nil {
		panic("httpapi: Config.Ledger is nil")
	}
	if cfg.Store == nil {
		cfg.Store = cfg.Ledger.Store()
	}
	if cfg.Operations == nil {
		cfg.Operations, _ = cfg.Store.(coffer.OperationStore)
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Tracer == nil {
		cfg.Tracer = noop.NewTracerProvider().Tracer("")
	}
	if cfg.BodyBytesMax <= 0 {
		cfg.BodyBytesMax = BodyBytesMaxDefault
	}
	if cfg.BatchBodyBytesMax <= 0 {
		cfg.BatchBodyBytesMax = BatchBodyBytesMaxDefault
	}
	if cfg.BatchRequestsMax <= 0 {
		cfg.BatchRequestsMax = BatchRequestsMaxDefault
	}
	if cfg.BatchReadTimeout <= 0 {
		cfg.BatchReadTimeout = BatchReadTimeoutDefault
	}
	if cfg.Leases == nil {
		cfg.Leases, _ = cfg.Store.(coffer.LeaseStore)
	}
	if cfg.EventPoll <= 0 {
		cfg.EventPoll = EventPollDefault
	}
	if cfg.Webhooks == nil {
		ws, keeps := cfg.Store.(coffer.WebhookStore)
		events, reads := cfg.Store.(webhook.Events)
		if keeps && reads {
			cfg.Webhooks = webhook.New(webhook.Config{Store: ws, Events: events, Logger: cfg.Logger})
		}
	}
	if cfg.Statements == nil {
		if ms, ok := cfg.Store.(match.Store); ok {
			cfg.Statements = match.New(match.Config{Store: ms, Ledger: cfg.Ledger, Logger: cfg.Logger,
				ApprovalsRequired: cfg.ApprovalsRequired})
		}
	}
	s := &Server{
		stopping:   make(chan struct{}),
		tracer:     cfg.Tracer,
		cfg:        cfg,
		ledger:     cfg.Ledger,
		store:      cfg.Store,
		operations: cfg.Operations,
		log:        cfg.Logger,
		mux:        http.NewServeMux(),
		auth:       newAuthenticator(cfg.Store, cfg.AdminKey),
		batches:    semaphore.NewWeighted(int64(cfg.BatchRequestsMax)),
	}
	if as, ok := cfg.Store.(coffer.ApprovalStore); ok {
		s.approvals = approval.New(approval.Config{Store: as, Now: cfg.Ledger.Now})
	}
	s.assets.store = cfg.Store
	s.accounts.store = cfg.Store
	s.routes = s.routeTable()
	for _, rt := range s.routes {
		s.mux.HandleFunc(rt.method+" "+rt.muxPath(), s.endpoint(rt))
	}
	if cfg.Metrics != nil {
		s.mux.Handle(metricsRoute, s.Guard(cfg.MetricsRole, cfg.Metrics))
	}
	// Every other path and method: a JSON not_found, never ServeMux's plain-text 404 or 405.
	s.mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		s.writeError(w, r, coffer.Errorf(coffer.ENOTFOUND, "there is no endpoint %s %s", r.Method, r.URL.Path))
	})
	return s
}

func (s *Server) routeTable() []route {
	const (
		admin    = coffer.RoleAdmin
		operator = coffer.RoleOperator
		reader   = coffer.RoleReader
		public   = coffer.Role("")
	)
	var (
		none     []string
		accounts = []string{"owner", "asset", "kind", "cursor", "limit"}
		// account_id lists one account's transfers; reference picks those with it.
		transfers = append([]string{"account_id", "reference"}, historyParams...)
		events    = []string{"after", "limit", "wait"}
	)
	return []route{
		{"GET", "/healthz", public, s.healthz, none},
		{"GET", "/readyz", public, s.readyz, none},
		{"GET", "/v1/openapi.json", public, s.openAPI, none},

		{"POST", "/v1/assets", admin, s.createAsset, none},
		{"GET", "/v1/assets", reader, s.listAssets, pageParams},

		{"POST", "/v1/accounts", operator, s.createAccount, none},
		{"GET", "/v1/accounts", reader, s.listAccounts, accounts},
		{"GET", "/v1/accounts/{id}", reader, s.getAccount, none},
		{"POST", "/v1/accounts/{id}/lock", operator, s.lockAccount, none},
		{"POST", "/v1/accounts/{id}/unlock", operator, s.unlockAccount, none},
		{"GET", "/v1/accounts/{id}/entries", reader, s.listEntries, historyParams},
		{"GET", "/v1/accounts/{id}/balance", reader, s.balanceAt, []string{"at", "seq"}},
		{"GET", "/v1/accounts/{id}/statement", reader, s.statement, []string{"from", "to", "format", "cursor", "limit"}},
		{"POST", "/v1/reconciliations", operator, s.createReconciliation, none},
		{"GET", "/v1/reconciliations", reader, s.listReconciliations, []string{"account_id", "status", "from", "to", "cursor", "limit"}},
		{"GET", "/v1/reconciliations/{id}", reader, s.getReconciliation, none},
		{"POST", "/v1/reconciliations/chain", operator, s.createChainReconciliation, none},
		{"GET", "/v1/reconciliations/chain", reader, s.listChainReconciliations, []string{"chain", "status", "cursor", "limit"}},
		{"GET", "/v1/reconciliations/chain/{id}", reader, s.getChainReconciliation, none},
		// A statement import's exceptions, the id being the import's (see muxPaths).
		{"GET", "/v1/reconciliations/{id}/exceptions", reader, s.listStatementExceptions, []string{"status", "cursor", "limit"}},
		{"POST", "/v1/statement-imports", operator, s.importStatement, statementImportParams},
		{"GET", "/v1/statement-imports/{id}", reader, s.getStatementImport, none},
		{"GET", "/v1/statement-imports/{id}/exceptions", reader, s.listStatementExceptions, []string{"status", "cursor", "limit"}},
		{"GET", "/v1/statement-imports/{id}/matches", reader, s.listStatementMatches, []string{"cursor", "limit"}},
		{"POST", "/v1/statement-imports/{id}/exceptions/{seq}/resolve", operator, s.resolveStatementException, none},
		{"GET", "/v1/owners/{owner}/balances", reader, s.balances, none},
		{"POST", "/v1/owners/{owner}/addresses", operator, s.assignDepositAddress, none},
		{"GET", "/v1/owners/{owner}/addresses", reader, s.listDepositAddresses, pageParams},
		{"POST", "/v1/dev/fund", admin, s.devFund, none},

		{"POST", "/v1/deposits", operator, s.deposit, none},
		{"GET", "/v1/deposits", reader, s.listChainDeposits, []string{"owner", "address", "status", "tx_hash", "chain", "asset", "cursor", "limit"}},
		{"POST", "/v1/withdrawals", operator, s.withdraw, none},
		{"POST", "/v1/withdrawals/{id}/complete", operator, s.completeWithdrawal, none},
		{"POST", "/v1/withdrawals/{id}/fail", operator, s.failWithdrawal, none},
		{"POST", "/v1/payments", operator, s.pay, none},
		{"POST", "/v1/payments/{id}/refunds", operator, s.refund, none},
		{"GET", "/v1/payouts", reader, s.listPayouts, []string{"state", "chain", "cursor", "limit"}},
		{"GET", "/v1/payouts/{id}", reader, s.getPayout, none},
		{"POST", "/v1/payouts/{id}/cancel", operator, s.cancelPayout, none},
		{"GET", "/v1/sweeps", reader, s.listSweeps, []string{"state", "chain", "address", "cursor", "limit"}},
		{"GET", "/v1/sweeps/{id}", reader, s.getSweep, none},
		{"POST", "/v1/exchanges", operator, s.exchange, none},
		{"POST", "/v1/holds", operator, s.hold, none},
		{"POST", "/v1/holds/{id}/capture", operator, s.captureHold, none},
		{"POST", "/v1/holds/{id}/release", operator, s.releaseHold, none},

		{"POST", "/v1/transfers", operator, s.createTransfer, none},
		{"POST", "/v1/transfers/batch", operator, s.createTransferBatch, none},
		{"GET", "/v1/transfers", reader, s.listTransfers, transfers},
		{"GET", "/v1/transfers/{id}", reader, s.getTransfer, none},
		{"GET", "/v1/pending", reader, s.listPending, []string{"type", "cursor", "limit"}},
		{"POST", "/v1/transfers/{id}/post", operator, s.postTransfer, none},
		{"POST", "/v1/transfers/{id}/void", operator, s.voidTransfer, none},

		{"POST", "/v1/adjustments", admin, s.adjust, none},
		{"GET", "/v1/approvals", admin, s.listApprovals, []string{"status", "cursor", "limit"}},
		{"GET", "/v1/approvals/{id}", admin, s.getApproval, none},
		{"POST", "/v1/approvals/{id}/approve", admin, s.approve, none},
		{"POST", "/v1/approvals/{id}/reject", admin, s.reject, none},

		{"POST", "/v1/monitors", operator, s.createMonitor, none},
		{"GET", "/v1/monitors", reader, s.listMonitors, []string{"account_id", "asset", "cursor", "limit"}},
		{"GET", "/v1/monitors/{id}", reader, s.getMonitor, none},
		{"PATCH", "/v1/monitors/{id}", operator, s.updateMonitor, none},
		{"DELETE", "/v1/monitors/{id}", operator, s.deleteMonitor, none},

		{"GET", "/v1/events", reader, s.listEvents, events},
		{"GET", "/v1/overview", reader, s.overview, none},

		{"GET", "/v1/operations", reader, s.listOperations, []string{"owner", "account", "code", "kind", "status", "from", "to", "order", "cursor", "limit"}},
		{"GET", "/v1/operations/{id}", reader, s.getOperation, none},

		{"POST", "/v1/keys", admin, s.createKey, none},
		{"GET", "/v1/keys", admin, s.listKeys, pageParams},
		{"POST", "/v1/keys/{id}/revoke", admin, s.revokeKey, none},

		{"GET", "/v1/verify", admin, s.verify, none},

		{"GET", "/v1/duties", admin, s.listDuties, none},
		{"GET", "/v1/sinks", admin, s.listSinks, none},
		{"GET", "/v1/chains", admin, s.listChains, none},

		{"POST", "/v1/webhooks", admin, s.createWebhook, none},
		{"GET", "/v1/webhooks", admin, s.listWebhooks, pageParams},
		{"GET", "/v1/webhooks/{id}", admin, s.getWebhook, none},
		{"PATCH", "/v1/webhooks/{id}", admin, s.updateWebhook, none},
		{"DELETE", "/v1/webhooks/{id}", admin, s.deleteWebhook, none},
		{"POST", "/v1/webhooks/{id}/rotate-secret", admin, s.rotateWebhookSecret, none},
		{"POST", "/v1/webhooks/{id}/replay", admin, s.replayWebhook, none},
		{"GET", "/v1/webhooks/{id}/deliveries", admin, s.listWebhookDeliveries, []string{"event_id", "cursor", "limit"}},
		{"POST", "/v1/webhooks/{id}/deliveries/{event_id}/redeliver", admin, s.redeliverWebhook, none},
	}
}

// StopWaiting ends the waits of long polls at once (they answer what they have), so that a
// stopping server need not wait for them. The drain calls it as it starts.
func (s *Server) StopWaiting() {
	s.stopOnce.Do(func() { close(s.stopping) })
}

// requestInfo is what one request carries through the handlers: its id and key for its log
// line, and its ResponseWriter, through which a handler may set the body's read deadline.
type requestInfo struct {
	id    string
	route string // the route's pattern, for the Observer; empty if none matched
	keyID string
	role  coffer.Role // the key's role; empty on public routes
	w     http.ResponseWriter
}

type requestInfoKey struct{}

func info(ctx context.Context) *requestInfo {
	if ri, ok := ctx.Value(requestInfoKey{}).(*requestInfo); ok {
		return ri
	}
	return &requestInfo{}
}

// statusRecorder remembers the status a handler wrote, for the log line and the panic handler.
type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (w *statusRecorder) WriteHeader(status int) {
	if w.status == 0 {
		w.status = status
	}
	w.ResponseWriter.WriteHeader(status)
}

func (w *statusRecorder) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

// Unwrap gives http.ResponseController the writer beneath, for deadlines and flushes.
func (w *statusRecorder) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// ServeHTTP gives every request an id (X-Request-Id, kept from the request if it is sensible),
// compresses a large answer for a client that accepts gzip, turns a panic into a 500, and logs
// one line when the request is done.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	ri := &requestInfo{id: requestID(r.Header.Get("X-Request-Id")), w: w}
	w.Header().Set("X-Request-Id", ri.id)
	out := w
	if cw := compressing(w, r); cw != nil {
		defer cw.finish() // after the deferred recover below has written its 500, if any
		out = cw
	}
	rec := &statusRecorder{ResponseWriter: out}
	ctx, span := s.tracer.Start(r.Context(), "HTTP "+r.Method, trace.WithSpanKind(trace.SpanKindServer))
	if span.IsRecording() {
		span.SetAttributes(attribute.String("http.request.method", r.Method), attribute.String("coffer.request_id", ri.id))
	}
	defer span.End()
	r = r.WithContext(context.WithValue(ctx, requestInfoKey{}, ri))
	defer func() {
		if p := recover(); p != nil {
			if p == http.ErrAbortHandler {
				panic(p)
			}
			s.log.Error("panic", "request_id", ri.id, "method", r.Method, "path", r.URL.Path,
				"panic", fmt.Sprint(p), "stack", string(debug.Stack()))
			if rec.status == 0 {
				writeJSON(rec, http.StatusInternalServerError,
					client.ErrorResponse{Error: client.ErrorBody{Code: coffer.EINTERNAL, Message: "internal error"}})
			}
		}
		// Debug, not info: at thousands of requests a second an access log is a cost that an
		// operator turns on when wanted (coffer serve --log-level debug).
		took := time.Since(start)
		if span.IsRecording() {
			if ri.route != "" {
				span.SetName(ri.route)
				span.SetAttributes(attribute.String("http.route", ri.route))
			}
			span.SetAttributes(attribute.Int("http.response.status_code", max(rec.status, http.StatusOK)))
			if rec.status >= 500 {
				span.SetStatus(codes.Error, http.StatusText(rec.status))
			}
		}
		attrs := []any{"request_id", ri.id, "method", r.Method, "path", r.URL.Path,
			"status", rec.status, "key_id", ri.keyID, "duration", took}
		if sc := span.SpanContext(); sc.IsValid() {
			attrs = append(attrs, "trace_id", sc.TraceID().String())
		}
		s.log.Debug("request", attrs...)
		if a := s.cfg.Activity; a != nil && ri.route != "" && ri.route != routeEvents && ri.route != routeOverview {
			a.Request(max(rec.status, http.StatusOK), took)
		}
		if o := s.cfg.Observer; o != nil {
			route, status := ri.route, rec.status
			if route == "" {
				route = RouteUnmatched
			}
			if status == 0 {
				status = http.StatusOK // net/http's answer to a handler that wrote nothing
			}
			o.Request(route, status, took)
		}
	}()
	if !canonicalPath(r.URL.EscapedPath()) {
		// ServeMux would answer a redirect to the cleaned path, in HTML: a client that
		// followed it would send its request somewhere it did not name.
		s.writeError(rec, r, coffer.Errorf(coffer.ENOTFOUND, "there is no endpoint %s %s: a path has no empty, '.' or '..' segments",
			r.Method, r.URL.EscapedPath()))
		return
	}
	s.mux.ServeHTTP(rec, r)
}

// canonicalPath reports whether p is a path ServeMux would serve as it is, without
// redirecting: it starts with '/' and has no empty, '.' or '..' segment (but for a trailing
// slash).
func canonicalPath(p string) bool {
	if p == "" || p[0] != '/' {
		return false
	}
	clean := path.Clean(p)
	if strings.HasSuffix(p, "/") && clean != "/" {
		clean += "/"
	}
	return clean == p
}

// requestID returns the client's request id if it is short and printable, else a new one.
func requestID(given string) string {
	if given != "" && len(given) <= requestIDLengthMax && printableNoSpace(given) {
		return given
	}
	b := make([]byte, 12)
	rand.Read(b)
	return "req_" + hex.EncodeToString(b)
}

// endpoint wraps a route: authenticate, authorize, run, write.
func (s *Server) endpoint(rt route) http.HandlerFunc {
	pattern := rt.method + " " + rt.path
	literals := muxLiterals(rt)
	return func(w http.ResponseWriter, r *http.Request) {
		for name, want := range literals {
			if r.PathValue(name) != want {
				s.writeError(w, r, coffer.Errorf(coffer.ENOTFOUND, "there is no endpoint %s %s", r.Method, r.URL.Path))
				return
			}
		}
		info(r.Context()).route = pattern
		if rt.role != "" {
			if err := s.authorize(r, rt.role); err != nil {
				s.writeError(w, r, err)
				return
			}
		}
		if err := checkQuery(rt, r.URL.RawQuery); err != nil {
			s.writeError(w, r, err)
			return
		}
		status, body, err := rt.handle(r)
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		if st, ok := body.(streamed); ok {
			s.stream(w, r, status, st)
			return
		}
		if raw, ok := body.([]byte); ok {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(status)
			w.Write(raw)
			return
		}
		writeJSON(w, status, body)
	}
}

// muxLiterals returns, for a route registered under a pattern of muxPaths, each wildcard of
// the pattern that stands where rt.path has a literal segment, with that literal.
func muxLiterals(rt route) map[string]string {
	mux := rt.muxPath()
	if mux == rt.path {
		return nil
	}
	out := map[string]string{}
	want, got := strings.Split(rt.path, "/"), strings.Split(mux, "/")
	if len(want) != len(got) {
		panic("httpapi: route " + rt.path + " and its pattern " + mux + " differ in length")
	}
	for i, seg := range got {
		if strings.HasPrefix(seg, "{") && !strings.HasPrefix(want[i], "{") {
			out[strings.Trim(seg, "{}")] = want[i]
		}
	}
	return out
}

// metricsRoute is the pattern of Config.Metrics's route.
const metricsRoute = "GET /metrics"

// Guard returns a handler that serves h to requests with a live key of role or higher, and
// answers others as every route does (401, 403); with an empty role it serves h to anyone. It
// is how /metrics is served, on the API's listener or on a listener of its own.
func (s *Server) Guard(role coffer.Role, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		info(r.Context()).route = metricsRoute
		if role != "" {
			if err := s.authorize(r, role); err != nil {
				s.writeError(w, r, err)
				return
			}
		}
		h.ServeHTTP(w, r)
	})
}

// writeError sends err in the envelope, and logs it if the caller may not see it.
func (s *Server) writeError(w http.ResponseWriter, r *http.Request, err error) {
	status, body, unexpected := errorBody(err)
	switch {
	case unexpected:
		s.log.Error("request failed", "request_id", info(r.Context()).id, "method", r.Method,
			"path", r.URL.Path, "err", err)
	case errors.Is(err, strict.ErrUnreadable):
		// The client's doing (a body cut short, bad chunking, a hang-up), so not an error of
		// the server's: a flood of them must not flood the log.
		s.log.Debug("request body unreadable", "request_id", info(r.Context()).id, "method", r.Method,
			"path", r.URL.Path, "err", err)
	}
	writeJSON(w, status, client.ErrorResponse{Error: body})
}

// writeJSON sends v. encoding/json writes struct fields in declaration order and map keys
// sorted, so the same value always gives the same bytes: replays depend on it.
func writeJSON(w http.ResponseWriter, status int, v any) {
	// Every response type marshals, so a failure is a bug: marshalAnswer panics, and ServeHTTP
	// recovers, logs and sends 500.
	data := marshalAnswer(v)
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	w.Write(data)
}
