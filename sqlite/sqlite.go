// Package sqlite is the embedded coffer.Store: one SQLite file, no other server.
//
// The file is in WAL mode with synchronous=FULL, so a committed write survives kill -9 and power
// loss. One connection writes (SQLite has one writer at a time anyway) and begins every
// transaction with BEGIN IMMEDIATE, so a transaction that reads and then writes never has to
// upgrade its lock and cannot deadlock; a pool of other connections reads, and WAL lets those
// reads go on while a write is in progress. Several processes may open the same file: their
// writes wait for each other up to busyTimeout.
package sqlite

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/mattn/go-sqlite3"

	"github.com/cofferhq/coffer"
)

// Settings of the SQLite store, each with its reason.
const (
	// busyTimeout is how long a statement waits for a lock held by another connection (another
	// process on the same file, a backup) before it fails; a write that fails so reports
	// coffer.ErrRetry.
	busyTimeout = 5 * time.Second

	// writeCacheKiB is the write connection's page cache. A batch of a thousand transfers
	// touches thousands of table and index pages; SQLite's default of 2 MiB would read them from
	// the file again for every batch.
	writeCacheKiB = 64 << 10

	// readCacheKiB is each read connection's page cache: there are readConnsMax of them, and
	// the operating system caches the file for all of them besides.
	readCacheKiB = 8 << 10

	// checkpointInterval is how often a background connection copies the WAL into the database
	// file (a PASSIVE checkpoint, which never blocks the writer). Left to commits, that copy runs
	// inside whichever commit crosses walCheckpointPages and stalls its whole batch; in the
	// background it overlaps the writer's work.
	//
	// That commit still copies what the last pass left, and syncs the database file for it:
	// the p99 stall, which walRestartPages now mostly avoids. Shorter intervals shrink it but
	// cost throughput (more syncs of the database file, the hot pages copied again each time),
	// and passes that come faster only near the autocheckpoint length hold the checkpoint lock
	// so often that the commits' own checkpoint finds it taken and the WAL grew to 420 MB; see
	// docs/PERFORMANCE.md.
	checkpointInterval = 100 * time.Millisecond

	// walCheckpointPages is how long the WAL grows (in pages of 4 KiB) before a commit
	// checkpoints it. SQLite's default of 1,000 would checkpoint, with its own fsync, after
	// nearly every large batch.
	//
	// Under steady writes the background checkpointer copies the frames, but the WAL seldom
	// starts over on its own: by the time a pass ends, a commit has usually appended more. The
	// commit that crosses this length checkpoints what is left and the WAL then starts over from
	// its beginning; that commit is the slowest there is, and slower the longer the WAL (at 1,500
	// transfers per second on a 550 MB database, p99 latency 44 ms and the slowest request 80 ms
	// with 40,000 pages; 33 ms and 52 ms with 10,000; the same throughput). The checkpointer
	// therefore starts the WAL over itself at walRestartPages, and this length is the backstop.
	//
	// The WAL file is never cut back (journal_size_limit stays at its default, none): truncating
	// it took some 50 ms inside a commit every few seconds. So it keeps its largest size: some
	// 60 MB after a run of batches of 1,000 transfers, 90-170 MB before walRestartPages.
	walCheckpointPages = 10_000

	// walRestartPages is the WAL length (in frames) past which the background checkpointer
	// makes the WAL start over (see checkpointPass). A quarter of walCheckpointPages: commits
	// then seldom reach that length and its stall. On a 550-720 MB database at 2,300 transfers
	// per second: p99 latency 28-46 ms (median 37) in eight runs without it, 27-31 ms in three
	// with it; but p90 4-16 ms (median 8) without, 12-15 ms with, as writes wait out the last
	// pass. The target is the p99, and the WAL stays under 70 MB.
	walRestartPages = walCheckpointPages / 4

	// readConnsMax bounds the read pool. WAL lets every one of them read during a write.
	readConnsMax = 8

	// readStmtCache is how many prepared statements each read connection keeps, so the list
	// queries, whose text depends only on which filters are set, are parsed once.
	readStmtCache = 64
)

// Store is a coffer.Store on one SQLite file. It is safe for concurrent use.
type Store struct {
	write *sql.DB // exactly one connection
	read  *sql.DB
	ckpt  *sql.DB // the background checkpointer's one connection
	stop  chan struct{}
	done  chan struct{}
	stmts *statements // prepared on the write connection, nil until Open has migrated

	writeTurn chan struct{} // one Write at a time, including what it does after its commit
	accounts  accountCache  // the write connection's accounts; only Write uses it

	restartPages int // walRestartPages; tests lower it
}

var _ coffer.Store = (*Store)(nil)

// Open opens the SQLite file at path, creating it and its parent folders if needed, and applies
// the migrations it lacks.
func Open(ctx context.Context, path string) (*Store, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	if err := os.MkdirAll(filepath.Dir(abs), 0o750); err != nil {
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	ms := strconv.FormatInt(busyTimeout.Milliseconds(), 10)
	writeConns := new(atomic.Int64)
	write := sql.OpenDB(countedConnector{writeConns, connector(abs, url.Values{
		"_txlock":       {"immediate"},
		"_journal_mode": {"WAL"},
		"_synchronous":  {"FULL"},
		"_busy_timeout": {ms},
		"_cache_size":   {strconv.Itoa(-writeCacheKiB)}, // negative: KiB, not pages
	}, tempInMemory, "wal_autocheckpoint = "+strconv.Itoa(walCheckpointPages))})
	// The prepared statements live on the one write connection, so it is never retired.
	write.SetMaxOpenConns(1)
	write.SetMaxIdleConns(1)
	write.SetConnMaxLifetime(0)
	write.SetConnMaxIdleTime(0)

	read := sql.OpenDB(connector(abs, url.Values{
		"_query_only":      {"true"},
		"_busy_timeout":    {ms},
		"_cache_size":      {strconv.Itoa(-readCacheKiB)},
		"_stmt_cache_size": {strconv.Itoa(readStmtCache)},
	}, tempInMemory))
	read.SetMaxOpenConns(readConnsMax)
	read.SetMaxIdleConns(readConnsMax)

	ckpt := sql.OpenDB(connector(abs, url.Values{"_busy_timeout": {ms}}))
	ckpt.SetMaxOpenConns(1)

	s := &Store{write: write, read: read, ckpt: ckpt, stop: make(chan struct{}), done: make(chan struct{}),
		writeTurn: make(chan struct{}, 1), accounts: newAccountCache(writeConns), restartPages: walRestartPages}
	if err := s.open(ctx); err != nil {
		close(s.done)
		s.Close()
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	go s.checkpoint()
	return s, nil
}

// checkpoint copies committed WAL frames into the database file every checkpointInterval until
// Close, so commits rarely have to. A failed pass is left to the next one (or to the commits'
// own backstop): it changes nothing that is not already durable in the WAL.
func (s *Store) checkpoint() {
	defer close(s.done)
	t := time.NewTicker(checkpointInterval)
	defer t.Stop()
	for {
		select {
		case <-s.stop:
			return
		case <-t.C:
			s.checkpointPass()
		}
	}
}

// checkpointPass copies the WAL into the database file without holding writes back. Past
// walRestartPages frames it then makes the WAL start over, which SQLite does only when a write
// transaction begins with the WAL wholly copied: it runs more passes until one copies fewer than
// restartFramesMax frames (each pass copies what was appended during the one before, so they
// shorten quickly), then takes this Store's write turn, so that nothing is appended, for one
// last pass of those few frames. Holding the turn while copying more would stall the writes for
// as long as the copy and its sync of the database file take: tens of milliseconds on a large
// database, which is what RESTART checkpoints did.
//
// Readers, or another process's writes, may keep the WAL from being wholly copied; then it
// starts over after a later pass, or in the commit that crosses walCheckpointPages.
func (s *Store) checkpointPass() {
	frames, copied, err := s.checkpointPassive()
	if err != nil || frames < s.restartPages {
		return
	}
	for i := 1; ; i++ {
		before := copied
		if frames, copied, err = s.checkpointPassive(); err != nil {
			return
		}
		if copied < before || copied == before && copied == frames {
			return // the WAL started over meanwhile, or nothing was appended: it is wholly copied
		}
		if copied-before < restartFramesMax || i == restartPassesMax {
			break
		}
	}
	select {
	case s.writeTurn <- struct{}{}:
	case <-s.stop:
		return
	}
	defer func() { <-s.writeTurn }()
	s.checkpointPassive()
}

const (
	// restartFramesMax is the most frames the last pass before the WAL starts over may have to
	// copy while writes are held back: 1 MiB, a short copy. The sync of the database file after
	// it is what writes wait for: some 15 ms on the disk measured, however few the frames (see
	// docs/PERFORMANCE.md).
	restartFramesMax = 256
	// restartPassesMax bounds the passes that come before it, in case the writes outpace them.
	restartPassesMax = 4
)

// checkpointPassive runs a PASSIVE checkpoint and returns how many frames the WAL held and how
// many of them are now copied into the database file.
func (s *Store) checkpointPassive() (frames, copied int, err error) {
	var busy int
	err = s.ckpt.QueryRow("PRAGMA wal_checkpoint(PASSIVE)").Scan(&busy, &frames, &copied)
	return frames, copied, err
}

func (s *Store) open(ctx context.Context) error {
	// Durability rests on WAL: a file system that cannot do it leaves the old journal mode in
	// place without an error, so check.
	var mode string
	if err := s.write.QueryRowContext(ctx, "PRAGMA journal_mode").Scan(&mode); err != nil {
		return fmt.Errorf("read journal mode: %w", err)
	}
	if !strings.EqualFold(mode, "wal") {
		return fmt.Errorf("journal mode is %q, not wal; is the file on a network file system?", mode)
	}
	if err := s.Migrate(ctx); err != nil {
		return err
	}
	st, err := prepare(ctx, s.write)
	if err != nil {
		return err
	}
	s.stmts = st
	return nil
}

// tempInMemory keeps the sorts and temporary tables of queries in memory rather than in files.
const tempInMemory = "temp_store = MEMORY"

// sqliteConnector opens connections with the mattn/go-sqlite3 driver and sets what its data
// source name cannot.
type sqliteConnector struct {
	driver *sqlite3.SQLiteDriver
	dsn    string
}

// connector returns a connector to the file at path with the driver's options params, which
// runs pragmas on every new connection.
func connector(path string, params url.Values, pragmas ...string) driver.Connector {
	return sqliteConnector{dsn: dsn(path, params), driver: &sqlite3.SQLiteDriver{
		ConnectHook: func(c *sqlite3.SQLiteConn) error {
			for _, p := range pragmas {
				if _, err := c.Exec("PRAGMA "+p, nil); err != nil {
					return fmt.Errorf("pragma %s: %w", p, err)
				}
			}
			return nil
		},
	}}
}

func (c sqliteConnector) Connect(context.Context) (driver.Conn, error) { return c.driver.Open(c.dsn) }

// countedConnector counts the connections it opens: PRAGMA data_version is per connection, so
// the account cache must know when the write connection is a new one.
type countedConnector struct {
	opened *atomic.Int64
	driver.Connector
}

func (c countedConnector) Connect(ctx context.Context) (driver.Conn, error) {
	conn, err := c.Connector.Connect(ctx)
	if err == nil {
		c.opened.Add(1)
	}
	return conn, err
}

func (c sqliteConnector) Driver() driver.Driver { return c.driver }

// dsn returns the mattn/go-sqlite3 data source name of the file at path with the given options:
// a file: URI, so any character of the path is escaped.
func dsn(path string, params url.Values) string {
	u := url.URL{Scheme: "file", Path: filepath.ToSlash(path), RawQuery: params.Encode()}
	return u.String()
}

// Ping checks that the write connection and the read pool answer. It waits for a Write in
// progress, since that holds the write connection.
func (s *Store) Ping(ctx context.Context) error {
	if err := s.write.PingContext(ctx); err != nil {
		return fmt.Errorf("ping: %w", err)
	}
	if err := s.read.PingContext(ctx); err != nil {
		return fmt.Errorf("ping: %w", err)
	}
	return nil
}

// Close closes the prepared statements and the connections. A Write in progress finishes first.
func (s *Store) Close() error {
	select {
	case <-s.stop:
	default:
		close(s.stop)
	}
	<-s.done
	var errs []error
	if s.stmts != nil {
		errs = append(errs, s.stmts.close())
	}
	errs = append(errs, s.ckpt.Close(), s.write.Close(), s.read.Close())
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("close: %w", err)
	}
	return nil
}

// retryable wraps in coffer.ErrRetry the SQLite errors that mean another writer got there
// first: a primary or unique key taken, or a lock still held after busyTimeout. It judges by the
// extended error code, never by the message.
func retryable(err error) error {
	var e sqlite3.Error
	if !errors.As(err, &e) {
		return err
	}
	switch {
	case e.ExtendedCode == sqlite3.ErrConstraintPrimaryKey, e.ExtendedCode == sqlite3.ErrConstraintUnique,
		e.Code == sqlite3.ErrBusy, e.Code == sqlite3.ErrLocked:
		return fmt.Errorf("%w: %w", coffer.ErrRetry, err)
	}
	return err
}

// isConstraint reports whether err is a primary or unique key violation.
func isConstraint(err error) bool {
	var e sqlite3.Error
	return errors.As(err, &e) &&
		(e.ExtendedCode == sqlite3.ErrConstraintPrimaryKey || e.ExtendedCode == sqlite3.ErrConstraintUnique)
}

// pageSize returns the number of rows a list returns for a requested limit.
func pageSize(limit int) int {
	if limit <= 0 {
		return coffer.PageSizeDefault
	}
	return min(limit, coffer.ListRowsMax)
}

// micro returns t as stored: unix microseconds.
func micro(t time.Time) int64 { return t.UnixMicro() }

// fromMicro returns a stored time in UTC.
func fromMicro(v int64) time.Time { return time.UnixMicro(v).UTC() }

// nullMicro returns t as stored, NULL for nil.
func nullMicro(t *time.Time) any {
	if t == nil {
		return nil
	}
	return t.UnixMicro()
}

// amountArg returns an amount as bound. One that fits in an int64, as nearly all do, is bound as
// an integer, which the TEXT column of a STRICT table stores as the decimal text String writes;
// that costs less than formatting and binding a string, in Go and in SQLite. A larger amount is
// bound as its text.
func amountArg(a coffer.Amount) any {
	if v, ok := a.Int64(); ok {
		return v
	}
	return a.String()
}

// fromNullMicro returns a stored nullable time.
func fromNullMicro(v sql.NullInt64) *time.Time {
	if !v.Valid {
		return nil
	}
	t := fromMicro(v.Int64)
	return &t
}

// amounts parses the stored amounts of one row, keeping the first error.
type amounts struct{ err error }

func (p *amounts) parse(column, s string) coffer.Amount {
	a, err := coffer.ParseMinor(s)
	if err != nil && p.err == nil {
		p.err = fmt.Errorf("column %s: %w", column, err)
	}
	return a
}

// rawJSON returns stored JSON text as bytes, nil for ”.
func rawJSON(s string) []byte {
	if s == "" {
		return nil
	}
	return []byte(s)
}

// ConnStats returns the statistics of the read pool and of the one write connection, for the
// metrics.
func (s *Store) ConnStats() (read, write sql.DBStats) { return s.read.Stats(), s.write.Stats() }
