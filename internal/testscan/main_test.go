package main

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/cofferhq/coffer/chain/hdkey"
)

func lines(events ...event) string {
	var b strings.Builder
	for _, e := range events {
		j, _ := json.Marshal(e)
		b.Write(j)
		b.WriteByte('\n')
	}
	return b.String()
}

func TestScan(t *testing.T) {
	t.Parallel()
	secrets, err := knownSecrets()
	if err != nil {
		t.Fatal(err)
	}
	fresh, err := hdkey.NewMnemonic()
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name   string
		events []event
		code   int
		want   string // in the output
		absent string // not in the output
	}{
		{"clean", []event{
			{Action: "output", Package: "p", Test: "TestA", Output: "=== RUN   TestA\n"},
			{Action: "output", Package: "p", Test: "TestA", Output: "    a_test.go:1: chatter\n"},
			{Action: "pass", Package: "p", Test: "TestA"},
			{Action: "output", Package: "p", Output: "ok  \tp\t0.1s\n"},
			{Action: "pass", Package: "p"},
		}, 0, "ok  \tp", "chatter"},
		{"a failure is shown", []event{
			{Action: "output", Package: "p", Test: "TestB", Output: "    b_test.go:9: got 2, want 3\n"},
			{Action: "fail", Package: "p", Test: "TestB"},
			{Action: "output", Package: "p", Output: "FAIL\tp\t0.1s\n"},
			{Action: "fail", Package: "p"},
		}, 1, "got 2, want 3", ""},
		{"a build failure", []event{
			{Action: "build-output", ImportPath: "p [p.test]", Output: "p/x.go:1:1: undefined: y\n"},
			{Action: "build-fail", ImportPath: "p [p.test]"},
		}, 1, "undefined: y", ""},
		{"the test mnemonic in a passing test's log", []event{
			{Action: "output", Package: "p", Test: "TestC", Output: "    c_test.go:1: seed " + testMnemonics[0] + "\n"},
			{Action: "pass", Package: "p", Test: "TestC"},
		}, 1, "KEY MATERIAL in the output of p TestC: a test mnemonic", testMnemonics[0]},
		{"a new mnemonic in a log line", []event{
			{Action: "output", Package: "p", Test: "TestD", Output: `{"level":"INFO","msg":"` + fresh + `"}` + "\n"},
			{Action: "pass", Package: "p", Test: "TestD"},
		}, 1, "BIP39 words in a row", fresh},
		{"the faucet key upper-cased", []event{
			{Action: "output", Package: "p", Test: "TestE", Output: "key=0x" + strings.ToUpper(faucetKey) + "\n"},
			{Action: "pass", Package: "p", Test: "TestE"},
		}, 1, "the dev chain's faucet key", ""},
		{"a deposit key", []event{
			{Action: "output", Package: "p", Test: "TestF", Output: secrets[5].text + "\n"},
			{Action: "pass", Package: "p", Test: "TestF"},
		}, 1, "KEY MATERIAL", ""},
		{"a few BIP39 words are prose", []event{
			{Action: "output", Package: "p", Test: "TestG", Output: "    the amount is above the limit of this account for the day\n"},
			{Action: "pass", Package: "p", Test: "TestG"},
		}, 0, "", "KEY MATERIAL"},
	} {
		var out strings.Builder
		code := scan(strings.NewReader(lines(tc.events...)), &out, secrets)
		if code != tc.code || !strings.Contains(out.String(), tc.want) || tc.absent != "" && strings.Contains(out.String(), tc.absent) {
			t.Errorf("%s: exit %d, output %q; want exit %d with %q", tc.name, code, out.String(), tc.code, tc.want)
		}
	}
}
