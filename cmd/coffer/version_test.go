package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// TestVersion checks the version line of this test binary, built without version control
// information, then of a coffer built from this checkout with it: the commit must be HEAD's.
func TestVersion(t *testing.T) {
	code, out, _ := cli("version")
	if code != 0 || !strings.HasPrefix(out, "coffer ") || !strings.Contains(out, runtime.Version()) {
		t.Fatalf("version: exit %d, %q", code, out)
	}
	if _, out2, _ := cli("--version"); out2 != out {
		t.Errorf("--version says %q, version %q", out2, out)
	}
	if testing.Short() {
		t.Skip("builds coffer")
	}
	// Go stamps version control information only where .git is a folder: not in a worktree,
	// whose .git is a file.
	if fi, err := os.Stat("../../.git"); err != nil || !fi.IsDir() {
		t.Skip("not a git checkout with a .git folder, where go build stamps the commit")
	}
	head, err := exec.Command("git", "rev-parse", "HEAD").Output()
	if err != nil {
		t.Skipf("git: %v", err)
	}
	bin := filepath.Join(t.TempDir(), "coffer")
	build := exec.Command("go", "build", "-buildvcs=true", "-o", bin, ".")
	build.Env = append(os.Environ(), "GOFLAGS=")
	if msg, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, msg)
	}
	got, err := exec.Command(bin, "version").Output()
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(got), "commit "+strings.TrimSpace(string(head))) || strings.Contains(string(got), "(devel)") {
		t.Errorf("a build from the checkout says %q; want the module's version and commit %s", got, head)
	}
}
