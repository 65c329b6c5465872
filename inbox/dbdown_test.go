package inbox_test

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"sync"
	"syscall"
	"testing"

	"github.com/cofferhq/coffer"
	"github.com/cofferhq/coffer/client"
	"github.com/cofferhq/coffer/inbox"
	"github.com/cofferhq/coffer/postgres"
)

// pgCluster is a PostgreSQL server of the test's own, in a temporary folder, which the test
// may stop and start: the shared server of COFFER_TEST_POSTGRES must never be stopped.
type pgCluster struct {
	bin, data, sock string
	port            int
	cred            *syscall.Credential // whom to run as: initdb refuses root
}

// newPGCluster creates a cluster with initdb and starts it on a free port. It skips the test
// where no PostgreSQL binaries are installed, and fails it where they are but do not work.
func newPGCluster(t *testing.T) *pgCluster {
	t.Helper()
	bins, _ := filepath.Glob("/usr/lib/postgresql/*/bin/initdb")
	if len(bins) == 0 {
		t.Skip("no PostgreSQL server binaries in /usr/lib/postgresql")
	}
	sort.Strings(bins)
	c := &pgCluster{bin: filepath.Dir(bins[len(bins)-1])}
	dir, err := os.MkdirTemp("", "coffer-pg-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	if os.Geteuid() == 0 {
		u, err := user.Lookup("postgres")
		if err != nil {
			t.Fatalf("running as root, the cluster needs the user postgres: %v", err)
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		c.cred = &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}
		if err := os.Chown(dir, uid, gid); err != nil {
			t.Fatal(err)
		}
	}
	c.data, c.sock = filepath.Join(dir, "data"), dir
	c.port = freePort(t)
	c.run(t, "initdb", "-D", c.data, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync")
	c.start(t)
	t.Cleanup(func() { c.pgctl("stop", "-m", "immediate") })
	return c
}

// url is the cluster's database URL.
func (c *pgCluster) url() string {
	return fmt.Sprintf("postgres://postgres@127.0.0.1:%d/postgres?sslmode=disable", c.port)
}

// start starts the server and waits until it accepts connections.
func (c *pgCluster) start(t *testing.T) {
	t.Helper()
	opts := fmt.Sprintf("-p %d -k %s -c listen_addresses=127.0.0.1 -c fsync=off", c.port, c.sock)
	if out, err := c.pgctl("start", "-w", "-l", filepath.Join(c.sock, "log"), "-o", opts); err != nil {
		log, _ := os.ReadFile(filepath.Join(c.sock, "log"))
		t.Fatalf("pg_ctl start: %v\n%s\n%s", err, out, log)
	}
}

// stop stops the server at once, as a crash would: open connections are cut.
func (c *pgCluster) stop(t *testing.T) {
	t.Helper()
	if out, err := c.pgctl("stop", "-w", "-m", "immediate"); err != nil {
		t.Fatalf("pg_ctl stop: %v\n%s", err, out)
	}
}

func (c *pgCluster) pgctl(args ...string) ([]byte, error) {
	return c.command("pg_ctl", append([]string{"-D", c.data}, args...)...).CombinedOutput()
}

func (c *pgCluster) run(t *testing.T, name string, args ...string) {
	t.Helper()
	if out, err := c.command(name, args...).CombinedOutput(); err != nil {
		t.Fatalf("%s: %v\n%s", name, err, out)
	}
}

func (c *pgCluster) command(name string, args ...string) *exec.Cmd {
	cmd := exec.Command(filepath.Join(c.bin, name), args...)
	cmd.Dir = c.sock
	if c.cred != nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: c.cred}
	}
	return cmd
}

// freePort returns a TCP port on 127.0.0.1 that nothing listens on.
func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// watching is an Executor that tells the test when a command failed for a transient reason.
type watching struct {
	inbox.Executor
	mu        sync.Mutex
	transient int
	changed   chan struct{} // closed and replaced at each transient failure
}

func (w *watching) Command(ctx context.Context, role coffer.Role, c client.Command) (int, []byte) {
	status, answer := w.Executor.Command(ctx, role, c)
	if status >= 500 {
		w.mu.Lock()
		w.transient++
		close(w.changed)
		w.changed = make(chan struct{})
		w.mu.Unlock()
	}
	return status, answer
}

// waitTransient waits until n commands failed for a transient reason.
func (w *watching) waitTransient(t *testing.T, n int) {
	t.Helper()
	for {
		w.mu.Lock()
		got, changed := w.transient, w.changed
		w.mu.Unlock()
		if got >= n {
			return
		}
		select {
		case <-changed:
		case <-t.Context().Done():
			t.Fatal("the test ended waiting")
		}
	}
}

// TestDatabaseDown stops the database while commands arrive, through each broker: the commands
// are left unacknowledged while it is down, and once it is back every one is applied exactly
// once and answered.
func TestDatabaseDown(t *testing.T) {
	brokers := []struct {
		name  string
		start func(t *testing.T, exec inbox.Executor) broker
	}{
		{"amqp", func(t *testing.T, exec inbox.Executor) broker {
			url := amqpURL(t)
			name := uniqueName(t)
			b := newAMQPBroker(t, url, name)
			runConsumer(t, func() (interface{ Run(context.Context) error }, error) {
				return inbox.NewAMQPConsumer(inbox.AMQPConfig{URL: url, Queue: name, DeadLetterQueue: name + ".dead", Logger: testLogger()}, exec)
			})
			return b
		}},
		{"kafka", func(t *testing.T, exec inbox.Executor) broker {
			b, addrs := newKafkaBroker(t)
			b.key = nil // spread the commands over the partitions
			runConsumer(t, func() (interface{ Run(context.Context) error }, error) {
				return inbox.NewKafkaConsumer(inbox.KafkaConfig{Brokers: addrs, Topic: b.topic, ReplyTopic: b.topic + ".replies",
					DeadLetterTopic: b.topic + ".dead", Group: b.topic, Logger: testLogger()}, exec)
			})
			return b
		}},
	}
	for _, br := range brokers {
		t.Run(br.name, func(t *testing.T) {
			t.Parallel()
			pg := newPGCluster(t)
			ctx := context.Background()
			if err := postgres.Migrate(ctx, pg.url()); err != nil {
				t.Fatal(err)
			}
			store, err := postgres.Open(ctx, pg.url(), postgres.Options{})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { store.Close() })
			w := newWorld(t, store)
			exec := &watching{Executor: w.server, changed: make(chan struct{})}
			b := br.start(t, exec)

			const before, after = 40, 20
			send := func(i int) string {
				id := fmt.Sprintf("dep-%d", i)
				b.send(t, id, command(id, "deposit", "", `{"owner":"erin","asset":"USD","amount":"1.00"}`), nil)
				return id
			}
			var ids []string
			for i := range before {
				ids = append(ids, send(i))
			}
			// Stopped as the first answer comes, with the others in flight or queued.
			if r := b.reply(t, ids[0]); r.status != 201 {
				t.Fatalf("%s: %d %s", ids[0], r.status, r.body)
			}
			pg.stop(t)
			for i := range after {
				ids = append(ids, send(before+i))
			}
			// On Kafka, a hold and its capture in one partition while the database is down:
			// read again from the hold's offset, they keep their order, so the capture finds
			// its hold.
			kb, ordered := b.(*kafkaBroker)
			if ordered {
				kb.sendKeyed(t, []byte("ordered"), "hold-1", command("hold-1", "hold", "", `{"owner":"erin","asset":"USD","amount":"1"}`), nil)
				kb.sendKeyed(t, []byte("ordered"), "capture-1", command("capture-1", "capture", "hold-1", ``), nil)
			}
			// Commands reach the ledger and fail while the database is down.
			exec.waitTransient(t, 3)
			pg.start(t)
			for _, id := range ids[1:] {
				if r := b.reply(t, id); r.status != 201 {
					t.Fatalf("%s: %d %s", id, r.status, r.body)
				}
			}
			want := before + after
			if ordered {
				if r := b.reply(t, "hold-1"); r.status != 201 {
					t.Fatalf("hold-1: %d %s", r.status, r.body)
				}
				if r := b.reply(t, "capture-1"); r.status != 200 {
					t.Fatalf("capture-1, after its hold: %d %s", r.status, r.body)
				}
				want-- // captured to the world
			}
			if got, want := w.balance(t, "erin", "USD"), fmt.Sprintf("%d.00", want); got != want {
				t.Errorf("erin has %s USD, want %s: a command was lost or applied twice", got, want)
			}
			ops, err := coffer.OperationStore(store).Operations(ctx, coffer.OperationFilter{Owner: "erin", Kind: "deposit", Limit: coffer.PageSizeMax})
			if err != nil {
				t.Fatal(err)
			}
			if len(ops) != before+after {
				t.Errorf("%d deposits to erin, want %d", len(ops), before+after)
			}
		})
	}
}

// runConsumer makes a consumer and runs it until the test ends.
func runConsumer(t *testing.T, newConsumer func() (interface{ Run(context.Context) error }, error)) {
	t.Helper()
	c, err := newConsumer()
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- c.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Run: %v", err)
		}
	})
}
