package main

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"strings"
	"sync"
	"syscall"
	"testing"
)

// childArgsEnv makes the test binary run coffer instead of the tests, so a test can start the
// real server as a separate process (and kill it) without building another binary.
const childArgsEnv = "COFFER_TEST_CHILD_ARGS"

func TestMain(m *testing.M) {
	if args := os.Getenv(childArgsEnv); args != "" {
		ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
		code := run(ctx, strings.Split(args, "\x1f"), os.Stdout, os.Stderr)
		stop()
		os.Exit(code)
	}
	os.Exit(m.Run())
}

// serverProcess is `coffer serve` running as a child process.
type serverProcess struct {
	cmd  *exec.Cmd
	addr string
	done chan struct{} // closed when the process has exited
	err  error         // its exit status, once done is closed

	mu     sync.Mutex
	logs   strings.Builder
	seen   map[string]bool          // messages logged so far
	awaits map[string]chan struct{} // closed when their message is logged
}

// startServer starts `coffer serve` on a free port with the database and admin key, and returns
// once it listens (it reads the address from the server's own log line). The process is killed
// when the test ends if it is still running.
func startServer(t *testing.T, database, adminKey string, extra ...string) *serverProcess {
	t.Helper()
	args := append([]string{"serve", "--addr", "127.0.0.1:0", "--database", database, "--migrate"}, extra...)
	cmd := exec.Command(os.Args[0])
	cmd.Env = append(os.Environ(), childArgsEnv+"="+strings.Join(args, "\x1f"), "COFFER_ADMIN_KEY="+adminKey)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &serverProcess{cmd: cmd, done: make(chan struct{}), seen: map[string]bool{}, awaits: map[string]chan struct{}{}}
	listening := make(chan string, 1)
	go p.readLogs(stderr, listening)
	go func() {
		p.err = cmd.Wait()
		close(p.done)
	}()
	t.Cleanup(func() {
		cmd.Process.Kill()
		<-p.done
		if t.Failed() {
			t.Logf("server logs:\n%s", p.Logs())
		}
	})
	select {
	case p.addr = <-listening:
	case <-p.done:
		t.Fatalf("the server exited before listening: %v\n%s", p.err, p.Logs())
	}
	return p
}

// readLogs keeps the server's log and reports the address from its "coffer serving" line.
func (p *serverProcess) readLogs(r io.Reader, listening chan<- string) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), 1024*1024)
	for sc.Scan() {
		line := sc.Text()
		var rec struct {
			Msg  string `json:"msg"`
			Addr string `json:"addr"`
			Duty string `json:"duty"`
		}
		json.Unmarshal([]byte(line), &rec)
		p.mu.Lock()
		p.logs.WriteString(line + "\n")
		// A duty's lines count under "<msg> <duty>" as well, such as "duty started relay".
		keys := []string{rec.Msg}
		if rec.Duty != "" {
			keys = append(keys, rec.Msg+" "+rec.Duty)
		}
		for _, k := range keys {
			if k != "" && !p.seen[k] {
				p.seen[k] = true
				if ch, ok := p.awaits[k]; ok {
					close(ch)
				}
			}
		}
		p.mu.Unlock()
		if rec.Msg == "coffer serving" {
			listening <- rec.Addr
		}
	}
}

// logged returns a channel that is closed once the server logs a line with the message msg; a
// duty's line also matches "<msg> <duty>".
func (p *serverProcess) logged(msg string) <-chan struct{} {
	p.mu.Lock()
	defer p.mu.Unlock()
	ch, ok := p.awaits[msg]
	if !ok {
		ch = make(chan struct{})
		p.awaits[msg] = ch
		if p.seen[msg] {
			close(ch)
		}
	}
	return ch
}

// Logs returns what the server has logged so far.
func (p *serverProcess) Logs() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.logs.String()
}

// URL returns the server's base URL.
func (p *serverProcess) URL() string { return "http://" + p.addr }
