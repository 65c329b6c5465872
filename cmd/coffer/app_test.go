package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestCompletion generates each shell's completion script; bash must accept its own.
func TestCompletion(t *testing.T) {
	t.Parallel()
	for shell, want := range map[string]string{"bash": "complete -o default", "zsh": "#compdef coffer", "fish": "complete -c coffer"} {
		code, out, errOut := cli("completion", shell)
		if code != 0 || !strings.Contains(out, want) || errOut != "" {
			t.Errorf("completion %s: exit %d, stderr %q, %d bytes lacking %q", shell, code, errOut, len(out), want)
			continue
		}
		if shell != "bash" {
			continue
		}
		script := filepath.Join(t.TempDir(), "coffer.bash")
		if err := os.WriteFile(script, []byte(out), 0o600); err != nil {
			t.Fatal(err)
		}
		if msg, err := exec.Command("bash", "-n", script).CombinedOutput(); err != nil {
			t.Errorf("bash -n rejects the script: %v\n%s", err, msg)
		}
	}
	// The script completes the real commands: ask it as bash would.
	code, out, _ := cli("__complete", "depo")
	if code != 0 || !strings.Contains(out, "deposit\t") {
		t.Errorf("completing depo: exit %d, %q", code, out)
	}
}

// TestBogusFlag: an unknown flag is one line and a hint on stderr, and nothing on stdout.
func TestBogusFlag(t *testing.T) {
	t.Parallel()
	for _, args := range [][]string{{"deposit", "--bogus"}, {"serve", "--bogus"}, {"--bogus"}} {
		code, out, errOut := cli(args...)
		want := "coffer" + strings.TrimSuffix(" "+args[0], " --bogus") + ": unknown flag: --bogus\nRun 'coffer" +
			strings.TrimSuffix(" "+args[0], " --bogus") + " --help' for usage.\n"
		if code != 2 || out != "" || errOut != want {
			t.Errorf("%v: exit %d, stdout %q, stderr %q; want exit 2, nothing on stdout and %q", args, code, out, errOut, want)
		}
	}
}
