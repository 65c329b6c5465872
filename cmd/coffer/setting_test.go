package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/spf13/pflag"
	"go.yaml.in/yaml/v3"
)

var update = flag.Bool("update", false, "rewrite the README's settings table from the settings table")

// TestSettingsTable holds the table to its own rules: every setting has a meaning, an
// environment variable, a unique flag and key, a default that parses, and is taken by some
// command.
func TestSettingsTable(t *testing.T) {
	seen := map[string]bool{}
	for _, s := range settings {
		// An alias may be another command's flag (serve --addr, deposit --addr), never its own's.
		for _, name := range []string{s.flag, s.env, s.key} {
			if name != "" && seen[name] {
				t.Errorf("%s is used twice", name)
			}
			seen[name] = true
		}
		if !strings.HasPrefix(s.env, "COFFER_") || s.usage == "" || strings.Contains(s.usage, "\n") {
			t.Errorf("%s: needs a COFFER_ variable and a one-line meaning", s.env)
		}
		if s.key != "" && strings.Count(s.key, ".") != 1 {
			t.Errorf("%s: key %q is not section.name", s.env, s.key)
		}
		if s.secret && s.def != "" {
			t.Errorf("%s: a secret has no default", s.env)
		}
		var cfg Config
		if err := s.value(&cfg).Set(s.def); s.def != "" && err != nil {
			t.Errorf("%s: default %q: %v", s.env, s.def, err)
		}
		if usedBy(&s) == "" {
			t.Errorf("%s is taken by no command", s.env)
		}
	}
	for _, names := range [][]string{serveSettings, databaseSettings, clientSettings, chainSettings} {
		flags := map[string]bool{}
		for _, name := range names {
			s := lookupSetting(name)
			for _, f := range append([]string{s.flag}, s.aliases...) {
				if f != "" && flags[f] {
					t.Errorf("--%s is used twice in %v", f, names)
				}
				flags[f] = true
			}
		}
	}
}

// resolveSettings binds the named settings, parses args, and resolves them with env and the
// config file at path ("" for none), as a command does.
func resolveSettings(t *testing.T, names []string, args []string, env map[string]string, path string) (*Config, error) {
	t.Helper()
	fs := pflag.NewFlagSet("test", pflag.ContinueOnError)
	cfg := &Config{}
	b := bind(fs, cfg, names...)
	if err := fs.Parse(args); err != nil {
		return nil, flagError(err)
	}
	var file *configFile
	if path != "" {
		var err error
		if file, err = readConfigFile(path); err != nil {
			return nil, err
		}
	}
	getenv := func(k string) (string, bool) { v, ok := env[k]; return v, ok }
	return cfg, b.resolve(getenv, file)
}

func writeFile(t *testing.T, text string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "coffer.yaml")
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestSettingsPrecedence: a flag beats the environment, which beats the file, which beats the
// default.
func TestSettingsPrecedence(t *testing.T) {
	t.Parallel()
	file := writeFile(t, "ledger:\n  batch_size: 10\n  batch_wait: 5ms\n  writers: 3\n")
	env := map[string]string{"COFFER_BATCH_SIZE": "20", "COFFER_BATCH_WAIT": "7ms"}
	cfg, err := resolveSettings(t, serveSettings, []string{"--batch-size", "30"}, env, file)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.BatchSizeMax != 30 || cfg.BatchWait != 7*time.Millisecond || cfg.Writers != 3 || cfg.ExpiryInterval != time.Second {
		t.Errorf("flag 30, env 7ms, file 3, default 1s: got %d, %s, %d, %s", cfg.BatchSizeMax, cfg.BatchWait, cfg.Writers, cfg.ExpiryInterval)
	}
	// serve --addr is the older spelling of --listen; an empty variable counts as unset.
	cfg, err = resolveSettings(t, serveSettings, []string{"--addr", "127.0.0.1:9999", "--migrate"}, map[string]string{"COFFER_DATABASE": ""}, "")
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Listen != "127.0.0.1:9999" || !cfg.Migrate || cfg.Database != databaseDefault {
		t.Errorf("--addr and --migrate: %+v", cfg)
	}
	// COFFER_MIGRATE=1 is true, as for Go's own flags.
	for v, want := range map[string]bool{"1": true, "true": true, "TRUE": true, "0": false, "false": false} {
		cfg, err := resolveSettings(t, serveSettings, nil, map[string]string{"COFFER_MIGRATE": v}, "")
		if err != nil || cfg.Migrate != want {
			t.Errorf("COFFER_MIGRATE=%s: %v, %v", v, cfg.Migrate, err)
		}
	}
}

// TestSettingsRefused runs the command line with bad settings: each is refused at start with
// exit 2, naming where the value came from and what was expected, and nothing else happens.
func TestSettingsRefused(t *testing.T) {
	t.Parallel()
	file := writeFile(t, "server:\n  shutdown_timeout: 30\n")
	for _, tc := range []struct {
		args []string
		env  map[string]string
		want string
	}{
		{[]string{"serve"}, map[string]string{"COFFER_SHUTDOWN_TIMEOUT": "30"}, `coffer serve: COFFER_SHUTDOWN_TIMEOUT: "30" is not a duration such as 30s` + "\n"},
		{[]string{"serve"}, map[string]string{"COFFER_BATCH_SIZE": "abc"}, `coffer serve: COFFER_BATCH_SIZE: "abc" is not a whole number`},
		{[]string{"serve"}, map[string]string{"COFFER_BATCH_SIZE": "0"}, `coffer serve: COFFER_BATCH_SIZE: "0" is below 1`},
		{[]string{"serve"}, map[string]string{"COFFER_MIGRATE": "yes"}, `coffer serve: COFFER_MIGRATE: "yes" is not true or false (1 and 0 do too)`},
		{[]string{"serve"}, map[string]string{"COFFER_LISTEN": "8080"}, `coffer serve: COFFER_LISTEN: "8080" is not an address such as 127.0.0.1:8080 or :8080`},
		{[]string{"serve"}, map[string]string{"COFFER_LOG_LEVEL": "loud"}, `coffer serve: COFFER_LOG_LEVEL: "loud" must be one of debug, info, warn, error`},
		{[]string{"serve", "--shutdown-timeout", "30"}, nil, `coffer serve: --shutdown-timeout: "30" is not a duration such as 30s` + "\nRun 'coffer serve --help' for usage.\n"},
		{[]string{"serve"}, map[string]string{"COFFER_CONFIG": file}, "coffer serve: " + file + `:2: server.shutdown_timeout: "30" is not a duration such as 30s`},
		{[]string{"assets"}, map[string]string{"COFFER_ADDR": "ftp://x", "COFFER_API_KEY": "k"}, `coffer assets: COFFER_ADDR: "ftp://x" is not an http:// or https:// URL, or a host:port`},
		{[]string{"verify"}, map[string]string{"COFFER_CONFIG": filepath.Join(t.TempDir(), "missing.yaml")}, "coffer verify: config file: open "},
	} {
		var out, errOut bytes.Buffer
		getenv := func(k string) (string, bool) { v, ok := tc.env[k]; return v, ok }
		code := runEnv(context.Background(), tc.args, getenv, &out, &errOut)
		if code != exitUsage || !strings.Contains(errOut.String(), tc.want) || out.Len() != 0 {
			t.Errorf("%v %v: exit %d, stderr %q, stdout %q; want exit 2 and %q", tc.args, tc.env, code, errOut.String(), out.String(), tc.want)
		}
	}
}

// TestConfigFileRefused: a file with a key no setting has, or a value of the wrong shape, is
// refused with its line.
func TestConfigFileRefused(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ text, want string }{
		{"server:\n  lisen: 127.0.0.1:1\n", ":2: unknown key server.lisen; the keys of server are listen, shutdown_timeout, log_level, otlp_endpoint, debug_addr, batch_requests, cors_origins, cors_credentials, cors_max_age, metrics, metrics_key_required, metrics_addr, compat, compat_key_header, ui, admin_key"},
		{"servers:\n  listen: x\n", ":1: unknown key servers; the sections are server, database, ledger, exchange, events, commands, chain, client"},
		{"chain:\n  seed_secret: s3cret\n", ":2: unknown key chain.seed_secret; the keys of chain are seed_file, seed_secret_file, chains, assets, reconcile_interval, hot_wallet_index, hot_wallet_owner, hot_wallet_low_balance, payout_fee_cap, payout_bump_blocks, payout_network_fees"},
		{"server: 127.0.0.1:1\n", ":1: server must be a mapping of keys to values"},
		{"- a\n- b\n", ":1: the file must be a mapping of keys to values"},
		{"ledger:\n  batch_size: [1, 2]\n", ":2: ledger.batch_size: takes one value, not a list"},
		{"ledger:\n  batch_size: 1\n  batch_size: 2\n", "ledger.batch_size is given twice"},
		{"ledger:\n  writers: -1\n", `:2: ledger.writers: "-1" is below 0`},
		{"client:\n  key: {a: b}\n", ":2: client.key: takes a single value, not a mapping"},
		{"server: [\n", "coffer.yaml: "},
	} {
		all := slices.Compact(slices.Sorted(slices.Values(slices.Concat(serveSettings, clientSettings, chainSettings))))
		_, err := resolveSettings(t, all, nil, nil, writeFile(t, tc.text))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: %v; want %q", tc.text, err, tc.want)
		}
	}
	// Secrets are never repeated in an error.
	_, err := resolveSettings(t, clientSettings, nil, nil, writeFile(t, "client:\n  key: [s3cret]\n"))
	if err == nil || strings.Contains(err.Error(), "s3cret") {
		t.Errorf("a secret in a bad shape: %v", err)
	}
}

// TestConfigExample loads docs/coffer.example.yaml as serve and the clients would, and checks
// that it shows every setting that has a key, at its default.
func TestConfigExample(t *testing.T) {
	t.Parallel()
	const path = "../../docs/coffer.example.yaml"
	all := slices.Compact(slices.Sorted(slices.Values(slices.Concat(serveSettings, clientSettings, chainSettings))))
	if _, err := resolveSettings(t, all, nil, nil, path); err != nil {
		t.Fatalf("the example does not load: %v", err)
	}
	file, err := readConfigFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range settings {
		if s.key == "" {
			continue
		}
		n, ok := file.values[s.key]
		switch {
		case !ok:
			t.Errorf("the example lacks %s", s.key)
		case n.Kind != yaml.ScalarNode || n.Value != s.def:
			t.Errorf("the example gives %s as %q; its default is %q", s.key, n.Value, s.def)
		case !strings.Contains(n.HeadComment+file.comments(s.key), s.env):
			t.Errorf("the example's comment on %s does not name %s", s.key, s.env)
		}
	}
}

// comments returns the comments above the key in the file, for the example's check.
func (cf *configFile) comments(key string) string {
	data, err := os.ReadFile(cf.path)
	if err != nil {
		return ""
	}
	var doc yaml.Node
	if yaml.Unmarshal(data, &doc) != nil || len(doc.Content) == 0 {
		return ""
	}
	section, name, _ := strings.Cut(key, ".")
	top := doc.Content[0]
	for i := 0; i+1 < len(top.Content); i += 2 {
		if top.Content[i].Value != section {
			continue
		}
		m := top.Content[i+1]
		for j := 0; j+1 < len(m.Content); j += 2 {
			if m.Content[j].Value == name {
				return m.Content[j].HeadComment
			}
		}
	}
	return ""
}

// usedBy names the commands that take the setting, for the README.
func usedBy(s *setting) string {
	name := s.flag
	if name == "" {
		name = s.env
	}
	var by []string
	if slices.Contains(serveSettings, name) {
		by = append(by, "serve")
	}
	if slices.Contains(databaseSettings, name) {
		by = append(by, "migrate", "verify")
	}
	if slices.Contains(clientSettings, name) {
		by = append(by, "clients")
	}
	if slices.Contains(chainSettings, name) {
		by = append(by, "chain init")
	}
	if name == "config" {
		by = []string{"all"}
	}
	return strings.Join(by, ", ")
}

// settingsMarkdown is the README's table of settings.
func settingsMarkdown() string {
	var b strings.Builder
	b.WriteString("| flag | environment | config file | default | for | meaning |\n|---|---|---|---|---|---|\n")
	code := func(s string) string {
		if s == "" {
			return ""
		}
		return "`" + s + "`"
	}
	for _, s := range settings {
		flag := ""
		if s.flag != "" {
			flag = "`--" + s.flag + "`"
			for _, a := range s.aliases {
				flag += " (`--" + a + "`)"
			}
		}
		fmt.Fprintf(&b, "| %s | %s | %s | %s | %s | %s |\n", flag, code(s.env), code(s.key), code(s.def), usedBy(&s), s.usage)
	}
	return b.String()
}

// TestREADMESettings checks the README's table of settings against the settings table; run
// with -update to rewrite it.
func TestREADMESettings(t *testing.T) {
	const path = "../../README.md"
	const begin, end = "<!-- settings: generated from cmd/coffer/setting.go by `go test ./cmd/coffer -run TestREADMESettings -update` -->\n", "<!-- end of settings -->\n"
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	readme := string(data)
	i, j := strings.Index(readme, begin), strings.Index(readme, end)
	if i < 0 || j < i {
		t.Fatalf("README.md lacks the lines %q and %q around the settings table", begin, end)
	}
	want := settingsMarkdown()
	if got := readme[i+len(begin) : j]; got != want {
		if *update {
			if err := os.WriteFile(path, []byte(readme[:i+len(begin)]+want+readme[j:]), 0o644); err != nil {
				t.Fatal(err)
			}
			return
		}
		t.Errorf("README.md's settings table is not the settings table's; run go test ./cmd/coffer -run TestREADMESettings -update\nwant:\n%s\ngot:\n%s", want, got)
	}
}
