// Package gethdev runs a real go-ethereum node for tests: `geth --dev`, one block a second, on a
// free loopback port, its chain in the test's temporary folder. A test can stop the node and
// start it again on the same chain, deploy Coffer's test token and fund addresses with ether or
// the token by transactions signed with the dev account's key. geth's own output goes to a file
// that the test shows only when it fails.
//
// Which geth runs is EnvBinary's choice: the tests skip without one unless it is set, and then
// fail (see Binary). They skip under -short too: each waits for several blocks, a second each.
package gethdev

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/crypto"
	"github.com/ethereum/go-ethereum/ethclient"
)

// Limits of the node's life in a test.
const (
	// ChainID is `geth --dev`'s chain id.
	ChainID = 1337
	// BlockPeriod is how often the node seals a block, empty or not (--dev.period).
	BlockPeriod = time.Second
	// StartTimeout bounds the wait for the node's RPC to answer after it is started: a fresh
	// chain answers within a second or two, a loaded machine takes longer.
	StartTimeout = 30 * time.Second
	// StopTimeout bounds the wait for the node to exit after SIGTERM; it writes its state to
	// disk first, which takes about two seconds.
	StopTimeout = 30 * time.Second
	// WaitTimeout bounds the waits for a transaction to be mined and for a block.
	WaitTimeout = 30 * time.Second
	// pollInterval is how often a wait asks the node again: over HTTP it tells nothing by itself.
	pollInterval = 50 * time.Millisecond
	// startAttemptsMax bounds the first start's attempts: the free port picked may be taken by
	// someone else before geth binds it, and the next attempt picks another.
	startAttemptsMax = 3
	// logTailMax caps the end of geth's output that a failed test shows.
	logTailMax = 64 << 10
)

// developerKeyHex is go-ethereum's DeveloperKey: with an empty keystore, `geth --dev` makes it
// its dev account and funds it at genesis. It is public test material in geth's source; anything
// it holds on any other chain is anyone's. It is never logged.
const developerKeyHex = "b71c71a67e1177ad4e901695e1b4b9ee17ae16c6668d313eac2f96dbcda3f291"

// Node is a `geth --dev` of one test. Its methods take the test and fail it on an error, so they
// are called from the test's goroutine only; Client is safe for concurrent use.
type Node struct {
	bin     string
	dir     string // the chain: geth's --datadir
	logPath string
	key     *ecdsa.PrivateKey
	account common.Address

	port   int
	client *ethclient.Client
	proc   *process // nil while stopped
	starts int

	// sendMu serializes the dev account's transactions; nonceNext is the nonce after the last
	// one sent, since the pool may count a transaction just sent only a moment later.
	sendMu    sync.Mutex
	nonceNext uint64
	token     common.Address
}

// process is one run of geth.
type process struct {
	cmd    *exec.Cmd
	exited chan struct{} // closed once it has exited
	err    error         // its exit, once exited is closed
}

// Start starts a `geth --dev` for t, with its chain in a temporary folder, and returns once its
// RPC answers. The node is killed when the test ends.
func Start(t testing.TB) *Node {
	t.Helper()
	n := New(t)
	n.Start(t)
	return n
}

// New returns a node for t that is not started yet: its binary found (see Binary; the test
// skips or fails without one), its chain folder made. Start starts it. The node is killed when
// the test ends, and if the test failed the end of geth's output is shown.
func New(t testing.TB) *Node {
	t.Helper()
	if testing.Short() {
		t.Skip("the tests against a real geth take seconds of blocks; -short skips them")
	}
	key, err := crypto.HexToECDSA(developerKeyHex)
	if err != nil {
		panic(err) // a constant
	}
	dir := t.TempDir()
	n := &Node{bin: Binary(t), dir: filepath.Join(dir, "chain"), logPath: filepath.Join(dir, "geth.log"),
		key: key, account: crypto.PubkeyToAddress(key.PublicKey)}
	// Registered after TempDir's removal, so it runs first: geth is gone before its folder.
	t.Cleanup(func() {
		if n.proc != nil {
			n.proc.cmd.Process.Kill()
			<-n.proc.exited
			n.proc = nil
		}
		if n.client != nil {
			n.client.Close()
		}
		if t.Failed() {
			t.Logf("the end of geth's output (%s):\n%s", n.logPath, n.logTail())
		}
	})
	return n
}

// Start starts the node, on the chain of its earlier runs if it ran before and on the same
// port, and waits until its RPC answers.
func (n *Node) Start(t testing.TB) {
	t.Helper()
	if n.proc != nil {
		t.Fatal("gethdev: Start of a running node")
	}
	first := n.port == 0
	for attempt := 1; ; attempt++ {
		if first {
			n.port = freePort(t)
		}
		err := n.start()
		if err == nil {
			break
		}
		if !first || !errors.Is(err, errExited) || attempt == startAttemptsMax {
			t.Fatalf("gethdev: start: %v", err)
		}
	}
	if n.client == nil {
		c, err := ethclient.Dial(n.URL())
		if err != nil {
			t.Fatalf("gethdev: dial: %v", err)
		}
		n.client = c
	}
}

// errExited is a geth that exited before its RPC answered.
var errExited = errors.New("geth exited before its RPC answered")

// start runs geth and waits for its RPC; on a failure geth is stopped.
func (n *Node) start() error {
	n.starts++
	log, err := os.OpenFile(n.logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return err
	}
	defer log.Close() // geth has its own descriptor
	fmt.Fprintf(log, "--- gethdev: start %d, port %d ---\n", n.starts, n.port)
	cmd := exec.Command(n.bin,
		"--dev", "--dev.period", strconv.Itoa(int(BlockPeriod/time.Second)),
		"--datadir", n.dir,
		"--http", "--http.addr", "127.0.0.1", "--http.port", strconv.Itoa(n.port),
		"--http.api", "eth,net,web3,debug,txpool",
		// No IPC socket: the temporary folder's path may be longer than a socket's allows.
		"--ipcdisable",
		"--verbosity", "3")
	cmd.Stdout, cmd.Stderr = log, log
	if err := cmd.Start(); err != nil {
		return err
	}
	p := &process{cmd: cmd, exited: make(chan struct{})}
	go func() {
		p.err = cmd.Wait()
		close(p.exited)
	}()
	n.proc = p
	if err := n.waitRPC(); err != nil {
		p.cmd.Process.Kill()
		<-p.exited
		n.proc = nil
		return err
	}
	return nil
}

// waitRPC asks the node for its chain id until it answers, it exits or StartTimeout passes.
func (n *Node) waitRPC() error {
	ctx, cancel := context.WithTimeout(context.Background(), StartTimeout)
	defer cancel()
	// A client of its own: the node's first one is made only once it answers.
	c, err := ethclient.DialContext(ctx, n.URL())
	if err != nil {
		return err
	}
	defer c.Close()
	tick := time.NewTicker(pollInterval)
	defer tick.Stop()
	for {
		id, err := c.ChainID(ctx)
		if err == nil {
			if id.Int64() != ChainID {
				return fmt.Errorf("the node's chain id is %s, not %d", id, ChainID)
			}
			return nil
		}
		select {
		case <-n.proc.exited:
			return fmt.Errorf("%w (%v); see %s", errExited, n.proc.err, n.logPath)
		case <-ctx.Done():
			return fmt.Errorf("no answer from %s within %s: %v", n.URL(), StartTimeout, err)
		case <-tick.C:
		}
	}
}

// Stop stops the node as an operator would, by SIGTERM, and waits until it has exited: its
// chain is on disk for the next Start.
func (n *Node) Stop(t testing.TB) {
	t.Helper()
	if n.proc == nil {
		t.Fatal("gethdev: Stop of a stopped node")
	}
	p := n.proc
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatalf("gethdev: stop: %v", err)
	}
	timer := time.NewTimer(StopTimeout)
	defer timer.Stop()
	select {
	case <-p.exited:
	case <-timer.C:
		t.Fatalf("gethdev: geth did not exit within %s of SIGTERM", StopTimeout)
	}
	n.proc = nil
	if p.err != nil {
		t.Fatalf("gethdev: geth's exit after SIGTERM: %v", p.err)
	}
}

// URL returns the node's JSON-RPC URL, the same across restarts.
func (n *Node) URL() string { return "http://127.0.0.1:" + strconv.Itoa(n.port) }

// Client returns a client of the node's RPC. It is the same client across restarts: over HTTP
// it connects anew when the node is back, and its calls fail while the node is stopped.
func (n *Node) Client() *ethclient.Client { return n.client }

// Account returns the dev account: the sender of every transaction the node's methods send.
func (n *Node) Account() common.Address { return n.account }

// freePort returns a loopback TCP port that was free a moment ago.
func freePort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("gethdev: free port: %v", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// logTail returns the end of geth's output, at most logTailMax bytes.
func (n *Node) logTail() string {
	f, err := os.Open(n.logPath)
	if err != nil {
		return err.Error()
	}
	defer f.Close()
	if fi, err := f.Stat(); err == nil && fi.Size() > logTailMax {
		f.Seek(fi.Size()-logTailMax, io.SeekStart)
	}
	b, err := io.ReadAll(f)
	if err != nil {
		return err.Error()
	}
	if i := bytes.IndexByte(b, '\n'); i >= 0 && len(b) == logTailMax {
		b = b[i+1:] // from the first whole line
	}
	return string(b)
}
