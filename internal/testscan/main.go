// Command testscan reads `go test -json` on stdin, prints what `go test` prints without -v (each
// package's result, and the output of the tests that failed), and scans every line the tests
// wrote, passing ones included, for key material: the test mnemonics, keys derived from them,
// the dev chain's faucet key, an xprv, or any run of twelve BIP39 words. It exits 1 if a test
// failed or key material was found, naming the test and the kind, never the material.
//
//	go test -race -json ./... | go run ./internal/testscan
package main

import (
	"bufio"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"regexp"
	"strings"

	"github.com/ethereum/go-ethereum/crypto"
	"github.com/tyler-smith/go-bip39"

	"github.com/cofferhq/coffer/chain/hdkey"
)

// testMnemonics are the mnemonics the tests use: BIP39's published vectors.
var testMnemonics = []string{
	"abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about",
	"void come effort suffer camp survey warrior heavy shoot primary clutch crush " +
		"open amazing screen patrol group space point ten exist slush involve unfold",
}

// faucetKey is go-ethereum's DeveloperKey, the dev chain's and geth --dev's faucet.
const faucetKey = "b71c71a67e1177ad4e901695e1b4b9ee17ae16c6668d313eac2f96dbcda3f291"

// wordsInARow is how many BIP39 words in a row count as a mnemonic.
const wordsInARow = 12

// event is one line of go test -json.
type event struct {
	Action     string
	Package    string
	Test       string
	Output     string
	ImportPath string
}

// secret is a string never to appear in a test's output, and what it is.
type secret struct{ text, kind string }

func main() {
	secrets, err := knownSecrets()
	if err != nil {
		fmt.Fprintln(os.Stderr, "testscan:", err)
		os.Exit(2)
	}
	os.Exit(scan(os.Stdin, os.Stdout, secrets))
}

// knownSecrets derives what the tests' keys look like in text.
func knownSecrets() ([]secret, error) {
	out := []secret{{faucetKey, "the dev chain's faucet key"}}
	for _, m := range testMnemonics {
		out = append(out, secret{m, "a test mnemonic"})
		out = append(out, secret{hex.EncodeToString(bip39.NewSeed(m, "")), "a test mnemonic's seed"})
		seed, err := hdkey.NewSeed(m, "")
		if err != nil {
			return nil, err
		}
		var keys []secret
		for i := range uint32(20) {
			k, err := seed.PrivateKey(hdkey.DepositPath(i))
			if err != nil {
				return nil, err
			}
			keys = append(keys, secret{hex.EncodeToString(crypto.FromECDSA(k)), "a deposit key of a test mnemonic"})
		}
		k, err := seed.PrivateKey(hdkey.HotWalletPath())
		if err != nil {
			return nil, err
		}
		keys = append(keys, secret{hex.EncodeToString(crypto.FromECDSA(k)), "the hot wallet key of a test mnemonic"})
		seed.Zero()
		out = append(out, keys...)
	}
	return out, nil
}

var (
	xprv = regexp.MustCompile(`[xt]prv[1-9A-HJ-NP-Za-km-z]{100,}`)
	word = regexp.MustCompile(`[a-z]+`)
)

// found returns the kind of key material in line, or "".
func found(line string, secrets []secret) string {
	lower := strings.ToLower(line)
	for _, s := range secrets {
		if strings.Contains(lower, s.text) {
			return s.kind
		}
	}
	if xprv.MatchString(line) {
		return "an extended private key (xprv)"
	}
	run := 0
	for _, w := range word.FindAllString(lower, -1) {
		if _, ok := bip39.GetWordIndex(w); ok {
			if run++; run >= wordsInARow {
				return fmt.Sprintf("%d BIP39 words in a row, a mnemonic", wordsInARow)
			}
		} else {
			run = 0
		}
	}
	return ""
}

// scan copies the results, keeps each test's output until it passes or fails, and checks every
// line. It returns the exit code.
func scan(r io.Reader, w io.Writer, secrets []secret) int {
	code := 0
	held := map[string][]string{} // package and test -> output
	leaks := 0
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	for sc.Scan() {
		var e event
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
			fmt.Fprintln(w, sc.Text()) // not JSON: go test's own complaint
			continue
		}
		pkg := e.Package
		if pkg == "" {
			pkg = e.ImportPath
		}
		if e.Output != "" {
			if kind := found(e.Output, secrets); kind != "" {
				leaks++
				fmt.Fprintf(w, "KEY MATERIAL in the output of %s %s: %s\n", pkg, e.Test, kind)
			}
		}
		key := pkg + " " + e.Test
		switch {
		case e.Action == "build-output":
			fmt.Fprint(w, e.Output)
		case e.Action == "build-fail":
			code = 1
		case e.Action == "output" && e.Test == "":
			if !strings.HasPrefix(e.Output, "=== ") && e.Output != "PASS\n" {
				fmt.Fprint(w, e.Output)
			}
		case e.Action == "output":
			held[key] = append(held[key], e.Output)
		case e.Action == "fail":
			code = 1
			if e.Test != "" {
				fmt.Fprint(w, strings.Join(held[key], ""))
			}
			delete(held, key)
		case e.Action == "pass" || e.Action == "skip":
			delete(held, key)
		}
	}
	if err := sc.Err(); err != nil {
		fmt.Fprintln(w, "testscan:", err)
		return 1
	}
	if leaks > 0 {
		fmt.Fprintf(w, "FAIL: %d lines of test output hold key material\n", leaks)
		return 1
	}
	return code
}
