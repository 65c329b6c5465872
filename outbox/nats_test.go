package outbox_test

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/cofferhq/coffer/outbox"
)

// natsServers returns the host:port list of a nats:// URL.
func natsServers(t testing.TB, raw string) []string {
	t.Helper()
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	return strings.Split(u.Host, ",")
}

// newNATSSink makes a sink on a stream and subject prefix of the test's own: streams on one
// server may not share subjects, and other packages' tests use the same server.
func newNATSSink(t testing.TB, raw string, opts outbox.SinkOptions) (*outbox.NATSSink, outbox.NATSConfig) {
	t.Helper()
	id := uniqueName("t")
	cfg := outbox.NATSConfig{Servers: natsServers(t, raw), Stream: "COFFER_TEST_" + strings.ToUpper(id[2:]),
		Subject: "coffer.test." + id, Options: opts}
	s, err := outbox.NewNATSSink(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		s.Close()
		if nc, err := nats.Connect(raw, nats.Timeout(time.Second)); err == nil {
			if js, err := jetstream.New(nc); err == nil {
				ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
				js.DeleteStream(ctx, cfg.Stream)
				cancel()
			}
			nc.Close()
		}
	})
	return s, cfg
}

// natsRead reads the whole stream from its first message with an ordered consumer.
func natsRead(t testing.TB, raw string, cfg outbox.NATSConfig, want int) []received {
	t.Helper()
	nc, err := nats.Connect(raw, nats.Timeout(2*time.Second))
	if err != nil {
		t.Fatalf("NATS at %s: %v", raw, err)
	}
	defer nc.Close()
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	st, err := js.Stream(ctx, cfg.Stream)
	if err != nil {
		t.Fatal(err)
	}
	info := st.CachedInfo()
	if info.Config.Storage != jetstream.FileStorage || info.Config.Duplicates != outbox.DefaultDuplicateWindow ||
		len(info.Config.Subjects) != 1 || info.Config.Subjects[0] != cfg.Subject+".>" {
		t.Errorf("stream config: storage %v, duplicates %s, subjects %v", info.Config.Storage, info.Config.Duplicates, info.Config.Subjects)
	}
	cons, err := st.OrderedConsumer(ctx, jetstream.OrderedConsumerConfig{})
	if err != nil {
		t.Fatal(err)
	}
	var got []received
	for len(got) < int(info.State.Msgs) {
		batch, err := cons.Fetch(1000, jetstream.FetchMaxWait(5*time.Second))
		if err != nil {
			t.Fatal(err)
		}
		for m := range batch.Messages() {
			h := m.Headers()
			seq, err := strconv.ParseUint(h.Get("Coffer-Seq"), 10, 64)
			if err != nil {
				t.Fatalf("%s: Coffer-Seq %q", h.Get(jetstream.MsgIDHeader), h.Get("Coffer-Seq"))
			}
			typ := h.Get("Coffer-Type")
			if m.Subject() != cfg.Subject+"."+typ {
				t.Fatalf("%s: subject %q for type %q", h.Get(jetstream.MsgIDHeader), m.Subject(), typ)
			}
			got = append(got, received{ID: h.Get(jetstream.MsgIDHeader), Seq: seq, Type: typ, Body: m.Data()})
		}
		if batch.Error() != nil {
			t.Fatal(batch.Error())
		}
		if ctx.Err() != nil {
			t.Fatalf("read %d of the stream's %d messages in a minute", len(got), info.State.Msgs)
		}
	}
	if len(got) < want {
		t.Fatalf("the stream holds %d messages; sent %d", len(got), want)
	}
	return got
}

// TestNATSDeliver relays the events of real ledger traffic through the JetStream sink and reads
// the stream back: complete, in order, once each.
func TestNATSDeliver(t *testing.T) {
	t.Parallel()
	raw := brokerURL(t, envNATS)
	s, cfg := newNATSSink(t, raw, outbox.SinkOptions{Logger: testLogger(t)})
	msgs := relayAll(t, s)
	// What is sent again within the duplicate window is acknowledged and stored once.
	if n, err := s.Deliver(context.Background(), msgs[100:600]); n != 500 || err != nil {
		t.Fatalf("Deliver of 500 sent before = %d, %v", n, err)
	}
	got := natsRead(t, raw, cfg, len(msgs))
	if len(got) != len(msgs) {
		t.Errorf("the stream holds %d messages; %d distinct were sent", len(got), len(msgs))
	}
	checkReceived(t, msgs, got, false)
}

// TestNATSServerDown checks a sink whose server cannot be reached: Deliver fails at once with a
// *RetryError, its At backing off, and the error shows no credentials.
func TestNATSServerDown(t *testing.T) {
	t.Parallel()
	s, err := outbox.ParseSink(fmt.Sprintf("nats://coffer:s3cret-pw@127.0.0.1:%d", freePort(t)), fastOptions(t))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	msgs := []outbox.Message{{Seq: 1, ID: "evt_1", Type: "asset.created", Subject: "USD", Body: []byte(`{}`)}}
	first, firstWait := checkDownDeliver(t, s, msgs, downLimit)
	second, secondWait := checkDownDeliver(t, s, msgs, downLimit)
	if secondWait <= firstWait {
		t.Errorf("the sink asked to wait %s after one failure and %s after two: no backoff", firstWait, secondWait)
	}
	for _, err := range []error{first, second} {
		if strings.Contains(err.Error(), "s3cret-pw") {
			t.Errorf("the error shows the password: %v", err)
		}
	}
}

// natsServer is a nats-server of the test's own, on a free port with its own store folder, so
// that a test can stop and start it while other packages' tests use the shared one on 4222.
type natsServer struct {
	t    *testing.T
	port int
	dir  string
	cmd  *exec.Cmd
	URL  string
}

// natsServerBin is where Debian's nats-server package puts the server.
const natsServerBin = "/usr/sbin/nats-server"

func startNATSServer(t *testing.T) *natsServer {
	t.Helper()
	bin := natsServerBin
	if !fileExists(bin) {
		p, err := exec.LookPath("nats-server")
		if err != nil {
			t.Fatal("nats-server is not installed (apt-get install nats-server)")
		}
		bin = p
	}
	s := &natsServer{t: t, port: freePort(t), dir: t.TempDir()}
	s.URL = fmt.Sprintf("nats://127.0.0.1:%d", s.port)
	s.cmd = exec.Command(bin, "-a", "127.0.0.1", "-p", strconv.Itoa(s.port), "-js", "-sd", s.dir)
	t.Cleanup(s.stop)
	s.start()
	return s
}

// start starts the server and waits until it takes a connection with JetStream on.
func (s *natsServer) start() {
	s.t.Helper()
	s.cmd = exec.Command(s.cmd.Path, s.cmd.Args[1:]...)
	if testing.Verbose() {
		s.cmd.Stdout, s.cmd.Stderr = os.Stderr, os.Stderr
	}
	if err := s.cmd.Start(); err != nil {
		s.t.Fatal(err)
	}
	waitFor(s.t, "nats-server on "+s.URL+" to take connections", 30*time.Second, func() bool {
		nc, err := nats.Connect(s.URL, nats.Timeout(time.Second))
		if err != nil {
			return false
		}
		defer nc.Close()
		js, err := jetstream.New(nc)
		if err != nil {
			return false
		}
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		_, err = js.AccountInfo(ctx)
		return err == nil
	})
}

// stop ends the server (SIGTERM, the shutdown it is made for) and waits for its process.
func (s *natsServer) stop() {
	if s.cmd == nil || s.cmd.Process == nil || s.cmd.ProcessState != nil {
		return
	}
	s.cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan struct{})
	go func() { s.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(20 * time.Second):
		s.cmd.Process.Kill()
		<-done
	}
}

// TestNATSServerRestart stops a nats-server while the relay has caught up, commits more traffic,
// and starts the server again on the same store: the relay's Deliver calls fail promptly with a
// *RetryError while it is down, the client reconnects once it is back, and the stream holds
// every event, in order, once each. The server is the test's own: the shared one on 4222
// serves other packages' tests meanwhile.
func TestNATSServerRestart(t *testing.T) {
	brokerURL(t, envNATS) // runs with the suites that have a NATS server to test against
	t.Parallel()
	srv := startNATSServer(t)
	s, cfg := newNATSSink(t, srv.URL, fastOptions(t))
	w := &watched{Sink: s}
	f := newRelayRig(t, w)
	f.run(t)

	last := f.traffic(t, testMessages/3)
	f.moved.wait(t, f.store, w.Name(), last)
	srv.stop()
	checkOutage(t, f, w, testMessages/3, downLimit)
	srv.start()
	last = f.traffic(t, testMessages/3)
	f.moved.wait(t, f.store, w.Name(), last)
	msgs := f.messages(t)
	checkReceived(t, msgs, natsRead(t, srv.URL, cfg, len(msgs)), false)
	if _, err := os.Stat(filepath.Join(srv.dir, "jetstream")); err != nil {
		t.Errorf("the server kept no store in its folder: %v", err)
	}
}
