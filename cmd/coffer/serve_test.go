package main

import (
	"context"
	"io"
	"path/filepath"
	"strings"
	"testing"
)

// TestServeNeedsAKey: a server that no key would work on refuses to start and says how to
// make one; once the database holds a key, it starts without the bootstrap key.
func TestServeNeedsAKey(t *testing.T) {
	t.Parallel()
	database := filepath.Join(t.TempDir(), "coffer.db")
	env := map[string]string{"COFFER_DATABASE": database, "COFFER_LISTEN": "127.0.0.1:0"}
	code, out, errOut := runWith(env, "serve")
	if code != 2 || out != "" || !strings.Contains(errOut, "no API key would work") ||
		!strings.Contains(errOut, "COFFER_ADMIN_KEY=$(openssl rand -hex 32) coffer serve") ||
		!strings.Contains(errOut, "coffer key-create --name ops --role operator") {
		t.Fatalf("serve with no key: exit %d, stdout %q, stderr %q", code, out, errOut)
	}

	// With the bootstrap key, make a stored key; then the bootstrap key may be left out.
	start := func(env map[string]string) (addr string, stop func() int) {
		ctx, cancel := context.WithCancel(context.Background())
		logs := &watchWriter{want: `"msg":"coffer serving"`, seen: make(chan struct{})}
		done := make(chan int, 1)
		go func() { done <- runEnv(ctx, []string{"serve"}, mapEnv(env), io.Discard, logs) }()
		select {
		case <-logs.seen:
		case code := <-done:
			cancel()
			t.Fatalf("serve exited %d:\n%s", code, logs.String())
		}
		line := logs.String()
		addr = line[strings.Index(line, `"addr":"`)+len(`"addr":"`):]
		return addr[:strings.Index(addr, `"`)], func() int { cancel(); return <-done }
	}
	env["COFFER_ADMIN_KEY"] = testAdminKey
	addr, stop := start(env)
	code, out, errOut = cli("key-create", "--name", "ops", "--role", "reader", "--addr", addr, "--key", testAdminKey)
	if stopped := stop(); code != 0 || stopped != 0 {
		t.Fatalf("key-create: exit %d %s; serve exit %d", code, errOut, stopped)
	}
	secret := strings.Fields(out[strings.Index(out, "secret: "):])[1]
	delete(env, "COFFER_ADMIN_KEY")
	addr, stop = start(env)
	code, _, errOut = cli("assets", "--addr", addr, "--key", secret)
	if stopped := stop(); code != 0 || stopped != 0 {
		t.Errorf("with a stored key only: assets exit %d %s; serve exit %d", code, errOut, stopped)
	}
}
