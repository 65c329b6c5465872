package main

import (
	"context"
	"io"
	"maps"
	"net/http"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/cofferhq/coffer/httpapi"
)

// serveEnv runs `coffer serve` with the environment's settings until the test ends, and returns
// its base URL.
func serveEnv(t *testing.T, env map[string]string) string {
	t.Helper()
	env["COFFER_DATABASE"] = filepath.Join(t.TempDir(), "coffer.db")
	env["COFFER_LISTEN"] = "127.0.0.1:0"
	env["COFFER_ADMIN_KEY"] = testAdminKey
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
	t.Cleanup(func() {
		// An idle kept-alive connection would hold the drain for its two seconds.
		browser.CloseIdleConnections()
		cancel()
		if code := <-done; code != 0 {
			t.Errorf("serve exited %d:\n%s", code, logs.String())
		}
	})
	line := logs.String()
	addr := line[strings.Index(line, `"addr":"`)+len(`"addr":"`):]
	return "http://" + addr[:strings.Index(addr, `"`)]
}

// browser sends the tests' requests, on connections of its own.
var browser = &http.Client{Transport: &http.Transport{}}

// sendRequest makes a request with the headers and returns the answer, its body read.
func sendRequest(t *testing.T, method, url string, header map[string]string) *http.Response {
	t.Helper()
	req, err := http.NewRequest(method, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := browser.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp
}

// corsHeaders returns the answer's Access-Control-* headers.
func corsHeaders(resp *http.Response) map[string]string {
	out := map[string]string{}
	for k, v := range resp.Header {
		if strings.HasPrefix(k, "Access-Control-") {
			out[k] = strings.Join(v, ", ")
		}
	}
	return out
}

// preflight is what a browser sends before a script's POST of JSON with a key.
func preflight(origin string) map[string]string {
	return map[string]string{"Origin": origin, "Access-Control-Request-Method": "POST",
		"Access-Control-Request-Headers": "authorization,content-type,x-request-id"}
}

// TestServeCORS starts `coffer serve` with CORS settings and sends what browsers send: a
// preflight from an allowed origin is answered without a key with what it may send, and the
// answers to its requests, errors included, may be read by its scripts; a refused origin, or a
// header not allowed, gets no CORS header; with CORS off (the default) no answer has one.
func TestServeCORS(t *testing.T) {
	t.Parallel()
	const app, evil = "https://app.example.com", "https://evil.example.com"
	on := serveEnv(t, map[string]string{"COFFER_CORS_ORIGINS": app + ",http://localhost:3000", "COFFER_CORS_MAX_AGE": "10m"})
	off := serveEnv(t, map[string]string{})
	key := map[string]string{"Authorization": "Bearer " + testAdminKey}
	with := func(h map[string]string, k, v string) map[string]string {
		out := maps.Clone(h)
		if out == nil {
			out = map[string]string{}
		}
		out[k] = v
		return out
	}

	resp := sendRequest(t, "OPTIONS", on+"/v1/deposits", preflight(app))
	got := corsHeaders(resp)
	if resp.StatusCode != http.StatusNoContent || got["Access-Control-Allow-Origin"] != app ||
		got["Access-Control-Allow-Methods"] != "POST" || got["Access-Control-Allow-Headers"] != "authorization,content-type,x-request-id" ||
		got["Access-Control-Max-Age"] != "600" || got["Access-Control-Allow-Credentials"] != "" ||
		!slices.Contains(strings.Split(strings.Join(resp.Header.Values("Vary"), ", "), ", "), "Origin") {
		t.Errorf("preflight from %s: %d %v, Vary %q", app, resp.StatusCode, got, resp.Header.Values("Vary"))
	}
	for name, h := range map[string]map[string]string{
		"a refused origin":                 preflight(evil),
		"an origin that differs by a port": preflight(app + ":8443"),
		"a header not allowed":             with(preflight(app), "Access-Control-Request-Headers", "authorization,x-api-key"),
		"a method the API has not":         with(preflight(app), "Access-Control-Request-Method", "PUT"),
	} {
		if resp := sendRequest(t, "OPTIONS", on+"/v1/deposits", h); len(corsHeaders(resp)) != 0 {
			t.Errorf("preflight with %s: %d %v", name, resp.StatusCode, corsHeaders(resp))
		}
	}
	for _, c := range []struct {
		name, path, origin string
		header             map[string]string
		status             int
		allowed            bool
	}{
		{"a list", "/v1/assets", app, key, http.StatusOK, true},
		{"the other origin", "/v1/assets", "http://localhost:3000", key, http.StatusOK, true},
		{"an error", "/v1/assets", app, nil, http.StatusUnauthorized, true},
		{"a refused origin", "/v1/assets", evil, key, http.StatusOK, false},
	} {
		resp := sendRequest(t, "GET", on+c.path, with(c.header, "Origin", c.origin))
		got := corsHeaders(resp)
		want := map[string]string{}
		if c.allowed {
			want = map[string]string{"Access-Control-Allow-Origin": c.origin, "Access-Control-Expose-Headers": "X-Request-Id"}
		}
		if resp.StatusCode != c.status || !maps.Equal(got, want) {
			t.Errorf("%s: %d %v, want %d %v", c.name, resp.StatusCode, got, c.status, want)
		}
	}

	// Off: a preflight is an OPTIONS request like any other, which the API has no endpoint for.
	resp = sendRequest(t, "OPTIONS", off+"/v1/deposits", preflight(app))
	if resp.StatusCode != http.StatusNotFound || len(corsHeaders(resp)) != 0 {
		t.Errorf("off, a preflight: %d %v", resp.StatusCode, corsHeaders(resp))
	}
	resp = sendRequest(t, "GET", off+"/v1/assets", with(key, "Origin", app))
	if resp.StatusCode != http.StatusOK || len(corsHeaders(resp)) != 0 || slices.Contains(resp.Header.Values("Vary"), "Origin") {
		t.Errorf("off, a request: %d %v, Vary %q", resp.StatusCode, corsHeaders(resp), resp.Header.Values("Vary"))
	}
}

// TestServeCORSAny: "*" allows every origin, and answers "*" rather than the origin.
func TestServeCORSAny(t *testing.T) {
	t.Parallel()
	url := serveEnv(t, map[string]string{"COFFER_CORS_ORIGINS": "*"})
	resp := sendRequest(t, "OPTIONS", url+"/v1/deposits", preflight("https://anyone.example"))
	if got := corsHeaders(resp); resp.StatusCode != http.StatusNoContent || got["Access-Control-Allow-Origin"] != "*" {
		t.Errorf("preflight: %d %v", resp.StatusCode, got)
	}
}

// TestServeCORSRefused: settings that are no origins, or "*" where it cannot be, stop serve
// at start with exit 2, naming the setting.
func TestServeCORSRefused(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		env  map[string]string
		want string
	}{
		{map[string]string{"COFFER_CORS_ORIGINS": "https://app.example.com/"}, `COFFER_CORS_ORIGINS: "https://app.example.com/" has "https://app.example.com/", which is not an origin`},
		{map[string]string{"COFFER_CORS_ORIGINS": "app.example.com"}, "is not an origin such as https://app.example.com"},
		{map[string]string{"COFFER_CORS_ORIGINS": "null"}, `every sandboxed or file:// page sends "null"`},
		{map[string]string{"COFFER_CORS_ORIGINS": "https://*.example.com"}, `"*" stands alone`},
		{map[string]string{"COFFER_CORS_ORIGINS": "https://a.example.com,,https://b.example.com"}, "has an empty origin"},
		{map[string]string{"COFFER_CORS_ORIGINS": "*,https://a.example.com"}, `--cors-origin: "*" allows every origin; list it alone`},
		{map[string]string{"COFFER_CORS_ORIGINS": "*", "COFFER_CORS_CREDENTIALS": "true"}, `--cors-origin: "*" cannot go with credentials`},
		{map[string]string{"COFFER_CORS_MAX_AGE": "600"}, "COFFER_CORS_MAX_AGE"},
	} {
		c.env["COFFER_DATABASE"] = filepath.Join(t.TempDir(), "coffer.db")
		c.env["COFFER_LISTEN"] = "127.0.0.1:0"
		c.env["COFFER_ADMIN_KEY"] = testAdminKey
		code, out, errOut := runWith(c.env, "serve")
		if code != 2 || out != "" || !strings.Contains(errOut, c.want) {
			t.Errorf("%v: exit %d, stdout %q, stderr %q; want exit 2 and %q", c.env, code, out, errOut, c.want)
		}
	}
}

// TestCORSMaxAgeDefault: the settings table's default is httpapi's.
func TestCORSMaxAgeDefault(t *testing.T) {
	if d, err := time.ParseDuration(corsMaxAgeDefault); err != nil || d != httpapi.CORSMaxAgeDefault {
		t.Errorf("corsMaxAgeDefault %s, httpapi.CORSMaxAgeDefault %s", corsMaxAgeDefault, httpapi.CORSMaxAgeDefault)
	}
}
