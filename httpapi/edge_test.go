package httpapi_test

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/cofferhq/coffer/client"
)

// TestSignedZeroAmounts sends "-0" and "-0.00" wherever an amount goes: a reader who sees the
// sign may take them for something else than the zero ParseAmount reads, so they are refused.
func TestSignedZeroAmounts(t *testing.T) {
	t.Parallel()
	e := setup(t)
	e.deposit("d-1", "alice", "USD", "10")
	if _, err := e.operator.Hold(context.Background(), client.HoldRequest{ID: "h-1", Owner: "alice", Asset: "USD", Amount: "1"}); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name, path, body, param string
	}{
		{"fee -0", "/v1/payments", `{"id":"x","owner":"alice","merchant":"shop","asset":"USD","amount":"1","fee":"-0","order_id":"o"}`, "fee"},
		{"fee -0.00", "/v1/payments", `{"id":"x","owner":"alice","merchant":"shop","asset":"USD","amount":"1","fee":"-0.00","order_id":"o"}`, "fee"},
		{"overdraft_limit -0", "/v1/accounts", `{"kind":"wallet","owner":"zed","asset":"USD","overdraft_limit":"-0"}`, "overdraft_limit"},
		{"overdraft_limit -0.00", "/v1/accounts", `{"kind":"wallet","owner":"zed","asset":"USD","overdraft_limit":"-0.00"}`, "overdraft_limit"},
		{"capture -0.00", "/v1/holds/h-1/capture", `{"amount":"-0.00"}`, "amount"},
		{"deposit -0", "/v1/deposits", `{"id":"x","owner":"alice","asset":"USD","amount":"-0"}`, "amount"},
	}
	before := e.state("alice", "zed")
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			status, body := e.raw("POST", c.path, adminKey, c.body)
			wantEnvelope(t, status, body, http.StatusBadRequest, "invalid")
			if got := paramOf(t, body); got != c.param {
				t.Errorf("param %q, want %q: %s", got, c.param, body)
			}
		})
	}
	if after := e.state("alice", "zed"); after != before {
		t.Errorf("signed zeros changed\n%s\nto\n%s", before, after)
	}
}

// TestActionBodies holds the routes that act on a pending transfer to their bodies: nothing, or
// one object, and not null or anything else that is not an object.
func TestActionBodies(t *testing.T) {
	t.Parallel()
	e := setup(t)
	e.deposit("d-1", "alice", "USD", "10")
	ctx := context.Background()
	for _, id := range []string{"h-1", "h-2"} {
		if _, err := e.operator.Hold(ctx, client.HoldRequest{ID: id, Owner: "alice", Asset: "USD", Amount: "1"}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := e.operator.Withdraw(ctx, client.WithdrawalRequest{ID: "w-1", Owner: "alice", Asset: "USD", Amount: "1", Destination: "bank"}); err != nil {
		t.Fatal(err)
	}
	paths := []string{"/v1/holds/h-1/capture", "/v1/holds/h-1/release", "/v1/withdrawals/w-1/complete",
		"/v1/withdrawals/w-1/fail", "/v1/transfers/h-2/post", "/v1/transfers/h-2/void"}
	before := e.state("alice")
	for _, path := range paths {
		for _, body := range []string{`null`, ` null `, `[]`, `"x"`, `0`, `true`} {
			status, answer := e.raw("POST", path, e.operatorKey, body)
			if status != http.StatusBadRequest {
				t.Errorf("POST %s %s: %d %s", path, body, status, answer)
			}
		}
	}
	if after := e.state("alice"); after != before {
		t.Errorf("refused bodies changed\n%s\nto\n%s", before, after)
	}
	for _, c := range []struct{ path, body string }{{"/v1/holds/h-1/capture", ``}, {"/v1/holds/h-2/release", `{}`}} {
		if status, answer := e.raw("POST", c.path, e.operatorKey, c.body); status != http.StatusOK {
			t.Errorf("POST %s %q: %d %s", c.path, c.body, status, answer)
		}
	}
}

// TestPathsNotClean sends paths that ServeMux would redirect to a cleaned path: each is a JSON
// not_found, never a redirect, whatever the method.
func TestPathsNotClean(t *testing.T) {
	t.Parallel()
	e := setup(t)
	noRedirect := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	for _, c := range []struct{ method, path string }{
		{"GET", "/v1/accounts/../keys"},
		{"GET", "/v1//keys"},
		{"GET", "/v1/./keys"},
		{"GET", "//v1/keys"},
		{"GET", "/v1/keys/."},
		{"POST", "/v1/keys//revoke"},
		{"POST", "/v1/keys/x/../../assets"},
		{"GET", "/v1/%2e%2e/v1/keys"},
	} {
		req, err := http.NewRequest(c.method, e.url+c.path, nil)
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Authorization", "Bearer "+adminKey)
		resp, err := noRedirect.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusNotFound || resp.Header.Get("Location") != "" ||
			!strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
			t.Errorf("%s %s: %d, Location %q, Content-Type %q: %s", c.method, c.path, resp.StatusCode,
				resp.Header.Get("Location"), resp.Header.Get("Content-Type"), body)
			continue
		}
		wantEnvelope(t, resp.StatusCode, body, http.StatusNotFound, "not_found")
	}
}

// TestTwoAuthorizationHeaders sends two keys: refused, not one of them picked, since a proxy in
// front could pick the other.
func TestTwoAuthorizationHeaders(t *testing.T) {
	t.Parallel()
	e := setup(t)
	for _, keys := range [][]string{{adminKey, e.readerKey}, {e.readerKey, adminKey}, {adminKey, adminKey}} {
		req, _ := http.NewRequest("GET", e.url+"/v1/keys", nil)
		for _, k := range keys {
			req.Header.Add("Authorization", "Bearer "+k)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		wantEnvelope(t, resp.StatusCode, body, http.StatusBadRequest, "invalid")
	}
}

// TestHTTPEdge holds what net/http answers itself, before any handler runs, to what
// docs/ARCHITECTURE.md says of it ("HTTP edge"): plain text, the connection closed. The server
// cannot make these JSON; if net/http ever hands them to the handler, this test says so.
func TestHTTPEdge(t *testing.T) {
	t.Parallel()
	e := setup(t)
	for _, c := range []struct {
		name, request string
		status        int
	}{
		{"unsupported transfer encoding", "POST /v1/deposits HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip, chunked\r\n\r\n", http.StatusNotImplemented},
		{"HTTP/2.0 without the preface", "GET /v1/keys HTTP/2.0\r\nHost: x\r\n\r\n", http.StatusHTTPVersionNotSupported},
		{"HTTP/3.0", "GET /v1/keys HTTP/3.0\r\nHost: x\r\n\r\n", http.StatusHTTPVersionNotSupported},
		{"a malformed request line", "GET\r\n\r\n", http.StatusBadRequest},
		{"an unknown expectation", "GET /v1/keys HTTP/1.1\r\nHost: x\r\nExpect: a-miracle\r\n\r\n", http.StatusExpectationFailed},
		{"headers too large", "GET /v1/keys HTTP/1.1\r\nHost: x\r\nX-Big: " + strings.Repeat("a", http.DefaultMaxHeaderBytes+4096) + "\r\n\r\n", http.StatusRequestHeaderFieldsTooLarge},
	} {
		t.Run(c.name, func(t *testing.T) {
			conn := dial(t, e.url)
			conn.write(c.request)
			resp, body := conn.response()
			if resp.StatusCode != c.status || !resp.Close || strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
				t.Errorf("%d, close %v, Content-Type %q: %s; docs/ARCHITECTURE.md says %d in plain text",
					resp.StatusCode, resp.Close, resp.Header.Get("Content-Type"), body, c.status)
			}
		})
	}
}
