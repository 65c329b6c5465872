package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/cofferhq/coffer/chain/hdkey"
)

func init() {
	// Seal's real scrypt cost takes seconds under the race detector; the tests' seed files are
	// sealed at a 256th of it. Open reads the cost from the file.
	sealSeed = func(mnemonic string, secret []byte) ([]byte, error) {
		return hdkey.SealCost(mnemonic, secret, hdkey.Scrypt{N: 1 << 10, R: 8, P: 1})
	}
}

const testSeedSecret = "a long seed secret for tests"

// chainCLI runs the command line with env as the whole environment and stdin as stdin.
func chainCLI(env map[string]string, stdin string, args ...string) (code int, stdout, stderr string) {
	var out, errOut bytes.Buffer
	code = runStdin(context.Background(), args, mapEnv(env), strings.NewReader(stdin), &out, &errOut)
	return code, out.String(), errOut.String()
}

// numberedLine matches a line of the mnemonic as chain init prints it, and numberedWord one
// word of such a line.
var (
	numberedLine = regexp.MustCompile(`^( +\d+ [a-z]+)+$`)
	numberedWord = regexp.MustCompile(`(\d+) ([a-z]+)`)
)

// TestChainInit makes a seed file, reads it back with hdkey.Open and the same secret, and checks
// that the mnemonic was printed on stdout once and nowhere else, and that the file is never
// overwritten.
func TestChainInit(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "data", "seed.json") // the folder is made
	env := map[string]string{"COFFER_SEED_SECRET": testSeedSecret}
	code, out, errOut := chainCLI(env, "", "chain", "init", "--seed-file", path)
	if code != 0 || errOut != "" {
		t.Fatalf("exit %d, stderr %q, stdout %q", code, errOut, out)
	}
	var words []string
	for _, line := range strings.Split(out, "\n") {
		if !numberedLine.MatchString(line) {
			continue
		}
		for _, m := range numberedWord.FindAllStringSubmatch(line, -1) {
			if m[1] != strconv.Itoa(len(words)+1) {
				t.Fatalf("word %d is numbered %s:\n%s", len(words)+1, m[1], out)
			}
			words = append(words, m[2])
		}
	}
	if len(words) != 24 || !strings.Contains(out, "Write these 24 words down now") {
		t.Fatalf("%d words printed:\n%s", len(words), out)
	}
	mnemonic := strings.Join(words, " ")

	sealed, err := hdkey.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	opened, err := hdkey.Open(sealed, []byte(testSeedSecret))
	if err != nil || opened != mnemonic {
		t.Fatalf("Open: %v; the printed mnemonic is the sealed one: %v", err, opened == mnemonic)
	}
	if _, err := hdkey.Open(sealed, []byte(testSeedSecret+"x")); err != hdkey.ErrWrongSecret {
		t.Errorf("another secret: %v", err)
	}
	if bytes.Contains(sealed, []byte(words[0]+" "+words[1])) {
		t.Error("the seed file holds the mnemonic in plain text")
	}
	if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("mode %v, %v", fi.Mode().Perm(), err)
	}
	if fi, err := os.Stat(filepath.Dir(path)); err != nil || fi.Mode().Perm() != 0o700 {
		t.Errorf("the folder's mode %v, %v", fi.Mode().Perm(), err)
	}
	seed, err := hdkey.NewSeed(mnemonic, "")
	if err != nil {
		t.Fatal(err)
	}
	first, err := seed.Address(0)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out, "First deposit address (m/44'/60'/0'/0/0): "+first.Hex()+"\n") {
		t.Errorf("the first deposit address %s is not printed:\n%s", first.Hex(), out)
	}

	// Again: refused, the file unchanged, and stderr exactly the refusal, no word more.
	code, out, errOut = chainCLI(env, "", "chain", "init", "--seed-file", path)
	want := "coffer chain init: seed file " + path + " already exists; chain init never overwrites one, since it may hold the only keys to funds\n"
	if code != exitFailed || errOut != want || out != "" {
		t.Errorf("second init: exit %d, stderr %q, stdout %q; want exit 1 and %q", code, errOut, out, want)
	}
	if again, _ := os.ReadFile(path); !bytes.Equal(again, sealed) {
		t.Error("the seed file was changed")
	}
}

// TestChainInitImport reads the mnemonic from stdin and the secret from a file: the seed file
// opens to that mnemonic, which is not printed, and the golden vector's first address is.
func TestChainInitImport(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	secretFile := filepath.Join(dir, "secret")
	if err := os.WriteFile(secretFile, []byte(testSeedSecret+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	const golden = "abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about"
	path := filepath.Join(dir, "seed.json")
	code, out, errOut := chainCLI(nil, "  "+strings.ReplaceAll(golden, " ", "\n")+"\n", "chain", "init", "--import",
		"--seed-file", path, "--seed-secret-file", secretFile)
	if code != 0 || errOut != "" {
		t.Fatalf("exit %d, stderr %q, stdout %q", code, errOut, out)
	}
	if !strings.Contains(out, "First deposit address (m/44'/60'/0'/0/0): 0x9858EfFD232B4033E47d90003D41EC34EcaEda94\n") ||
		strings.Contains(out, "abandon") {
		t.Errorf("stdout:\n%s", out)
	}
	sealed, err := hdkey.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	// The secret is the file's line, without its newline.
	if m, err := hdkey.Open(sealed, []byte(testSeedSecret)); err != nil || m != golden {
		t.Fatalf("Open: %v", err)
	}
}

// TestChainInitRefused: without a usable secret or mnemonic, chain init is a usage error that
// says what to do, writes nothing and prints no secret.
func TestChainInitRefused(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	empty := filepath.Join(dir, "empty")
	if err := os.WriteFile(empty, []byte("\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	secretFile := filepath.Join(dir, "secret")
	if err := os.WriteFile(secretFile, []byte(testSeedSecret), 0o600); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "seed.json")
	withSecret := map[string]string{"COFFER_SEED_SECRET": testSeedSecret}
	badMnemonic := "abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon zzyzx"
	for _, tc := range []struct {
		name  string
		env   map[string]string
		stdin string
		args  []string
		want  string
	}{
		{"no secret", nil, "", nil,
			"coffer chain init: no seed secret, and the seed file is sealed with it: set COFFER_SEED_SECRET, or give --seed-secret-file (COFFER_SEED_SECRET_FILE), a file that holds it\nRun 'coffer chain init --help' for usage.\n"},
		{"secret twice", withSecret, "", []string{"--seed-secret-file", secretFile},
			"coffer chain init: the seed secret is given twice, in COFFER_SEED_SECRET and in the file " + secretFile + "; give it once\n"},
		{"empty secret file", nil, "", []string{"--seed-secret-file", empty}, "coffer chain init: seed secret file " + empty + " is empty; set COFFER_SEED_SECRET"},
		{"missing secret file", nil, "", []string{"--seed-secret-file", filepath.Join(dir, "missing")}, "coffer chain init: seed secret file: open "},
		{"empty seed file setting", withSecret, "", []string{"--seed-file", ""}, `coffer chain init: --seed-file: "" is empty; give a file path`},
		{"bad mnemonic", withSecret, badMnemonic, []string{"--import"},
			"coffer chain init: the mnemonic on stdin: not a BIP39 mnemonic: word 12 is not in the BIP39 English word list (lowercase)\n"},
		{"no mnemonic", withSecret, "", []string{"--import"}, "coffer chain init: the mnemonic on stdin: not a BIP39 mnemonic: it has 0 words"},
		{"a secret flag", nil, "", []string{"--seed-secret", testSeedSecret}, "coffer chain init: unknown flag: --seed-secret"},
	} {
		args := append([]string{"chain", "init", "--seed-file", path}, tc.args...)
		code, out, errOut := chainCLI(tc.env, tc.stdin, args...)
		if code != exitUsage || !strings.HasPrefix(errOut, tc.want) || out != "" {
			t.Errorf("%s: exit %d, stderr %q, stdout %q; want exit 2 and %q", tc.name, code, errOut, out, tc.want)
		}
		if strings.Contains(errOut, testSeedSecret) {
			t.Errorf("%s: stderr shows the secret: %q", tc.name, errOut)
		}
		if strings.Contains(errOut, "zzyzx") || strings.Contains(errOut, "abandon") {
			t.Errorf("%s: stderr shows the mnemonic: %q", tc.name, errOut)
		}
		if _, err := os.Stat(path); err == nil {
			t.Fatalf("%s: a seed file was written", tc.name)
		}
	}
}

// failingWriter fails every write, as a closed stdout does.
type failingWriter struct{}

func (failingWriter) Write([]byte) (int, error) { return 0, os.ErrClosed }

// TestChainInitStdoutFails: a mnemonic that could not be shown is reported, with what to do.
func TestChainInitStdoutFails(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "seed.json")
	var errOut bytes.Buffer
	code := runStdin(context.Background(), []string{"chain", "init", "--seed-file", path},
		mapEnv(map[string]string{"COFFER_SEED_SECRET": testSeedSecret}), strings.NewReader(""), failingWriter{}, &errOut)
	want := "coffer chain init: seed file " + path + " was written, but its mnemonic could not be printed (file already closed): remove the seed file and run chain init again, before any deposit reaches it\n"
	if code != exitFailed || errOut.String() != want {
		t.Errorf("exit %d, stderr %q; want exit 1 and %q", code, errOut.String(), want)
	}
}
