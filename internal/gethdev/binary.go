package gethdev

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
)

// EnvBinary names the geth the tests run. Unset or empty, they look for geth where
// `go install` puts it (GOBIN, else the first GOPATH's bin) and skip when it is not there or is
// not go.mod's version. "require" looks there too, but then such a binary fails the test; any
// other value is the path of the binary, which must then be there, of that version. `make test`
// sets it to "require", so that CI fails rather than skips.
const EnvBinary = "COFFER_TEST_GETH"

// envRequire is the value of EnvBinary that makes a missing geth a failure.
const envRequire = "require"

// modulePath is go-ethereum's module: the geth the tests run must be the version of it that
// Coffer is built with, the one go.mod names.
const modulePath = "github.com/ethereum/go-ethereum"

// versionRe finds the version in `geth version`'s output: "Version: 1.16.7-stable".
var versionRe = regexp.MustCompile(`(?m)^Version: (\d+\.\d+\.\d+)`)

// checked caches the outcome of each binary's version check: nil if it is the right one.
var checked struct {
	sync.Mutex
	errs map[string]error
}

// Binary returns the path of the geth binary the tests run, as EnvBinary says: one of the
// go-ethereum version that go.mod names. When there is none (missing, or another version), it
// skips the test if the variable is unset and fails it if it is set.
func Binary(t testing.TB) string {
	t.Helper()
	env := os.Getenv(EnvBinary)
	path := env
	if env == "" || env == envRequire {
		var err error
		if path, err = installed(); err != nil {
			t.Fatalf("find geth: %v", err)
		}
	}
	if _, err := os.Stat(path); err != nil {
		msg := fmt.Sprintf("no geth at %s (install it with `go install %s/cmd/geth@%s`)", path, modulePath, wantVersion())
		if env == "" {
			t.Skipf("%s; %s is not set, so the tests against a real node skip (make test sets it to %q)", msg, EnvBinary, envRequire)
		}
		t.Fatalf("%s; %s=%s requires it", msg, EnvBinary, env)
	}
	checked.Lock()
	err, ok := checked.errs[path]
	if !ok {
		err = checkVersion(path)
		if checked.errs == nil {
			checked.errs = map[string]error{}
		}
		checked.errs[path] = err
	}
	checked.Unlock()
	if err != nil {
		if env == "" {
			t.Skipf("%v; %s is not set, so the tests against a real node skip", err, EnvBinary)
		}
		t.Fatal(err)
	}
	return path
}

// checkVersion runs `geth version` and compares the version with go.mod's go-ethereum.
func checkVersion(path string) error {
	out, err := exec.Command(path, "version").Output()
	if err != nil {
		return fmt.Errorf("%s version: %w", path, err)
	}
	m := versionRe.FindSubmatch(out)
	if m == nil {
		return fmt.Errorf("%s version: no version in its output", path)
	}
	if want := wantVersion(); "v"+string(m[1]) != want {
		return fmt.Errorf("%s is geth v%s, but Coffer is built with go-ethereum %s: install that one with `go install %s/cmd/geth@%s`",
			path, m[1], want, modulePath, want)
	}
	return nil
}

// wantVersion returns the version of go-ethereum that go.mod names, "v1.16.7", as `go list`
// says it in the test's folder; a test binary carries no record of its dependencies.
var wantVersion = sync.OnceValue(func() string {
	out, err := exec.Command("go", "list", "-m", "-f", "{{.Version}}", modulePath).Output()
	if err != nil {
		return "(go list -m " + modulePath + ": " + err.Error() + ")"
	}
	return strings.TrimSpace(string(out))
})

// installed returns where `go install` puts geth: GOBIN, else the first GOPATH's bin.
func installed() (string, error) {
	out, err := exec.Command("go", "env", "GOBIN", "GOPATH").Output()
	if err != nil {
		return "", fmt.Errorf("go env: %w", err)
	}
	lines := strings.Split(strings.TrimRight(string(out), "\n"), "\n")
	if len(lines) != 2 {
		return "", errors.New("go env GOBIN GOPATH: not two lines")
	}
	if gobin := strings.TrimSpace(lines[0]); gobin != "" {
		return filepath.Join(gobin, "geth"), nil
	}
	gopath := filepath.SplitList(strings.TrimSpace(lines[1]))
	if len(gopath) == 0 || gopath[0] == "" {
		return "", errors.New("go env: GOPATH is empty")
	}
	return filepath.Join(gopath[0], "bin", "geth"), nil
}
