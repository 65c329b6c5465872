package httpapi_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/cofferhq/coffer/client"
	"github.com/cofferhq/coffer/httpapi"
)

// plainClient leaves Accept-Encoding and Content-Encoding to the test: net/http's transport
// would otherwise ask for gzip itself and decompress behind the test's back.
var plainClient = &http.Client{Transport: &http.Transport{DisableCompression: true}}

// get sends GET (or another method) with the headers, and returns the answer with its body as
// it came over the wire.
func get(t *testing.T, method, url string, header map[string]string) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := plainClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, body
}

func gunzip(t *testing.T, b []byte) []byte {
	t.Helper()
	r, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("not gzip: %v", err)
	}
	out, err := io.ReadAll(r)
	if err != nil {
		t.Fatalf("bad gzip: %v", err)
	}
	return out
}

func varies(resp *http.Response) bool {
	return slices.Contains(resp.Header.Values("Vary"), "Accept-Encoding")
}

// TestCompress: a large answer is gzip-compressed for a client that accepts gzip, and its
// decompressed body is the answer a client that does not gets; small answers, answers to HEAD
// and the probes' answers are not; Vary: Accept-Encoding goes on every answer that could have
// been compressed; the request's log line has the status.
func TestCompress(t *testing.T) {
	t.Parallel()
	e := setup(t)
	for i := range 10 {
		e.deposit(fmt.Sprint("gz-", i), "alice", "USD", "1")
	}
	logs := newLevelLog()
	srv := httptest.NewServer(httpapi.NewDrain(httpapi.New(httpapi.Config{Ledger: e.ledger, AdminKey: adminKey, Logger: slog.New(logs)})))
	t.Cleanup(srv.Close)
	auth := "Bearer " + adminKey

	for _, path := range []string{"/v1/transfers", "/v1/openapi.json"} {
		plain, want := get(t, "GET", srv.URL+path, map[string]string{"Authorization": auth})
		if plain.StatusCode != http.StatusOK || plain.Header.Get("Content-Encoding") != "" || !varies(plain) || len(want) < 2048 {
			t.Fatalf("%s without Accept-Encoding: %d, Content-Encoding %q, Vary %q, %d bytes",
				path, plain.StatusCode, plain.Header.Get("Content-Encoding"), plain.Header.Values("Vary"), len(want))
		}
		resp, body := get(t, "GET", srv.URL+path, map[string]string{"Authorization": auth, "Accept-Encoding": "gzip",
			"X-Request-Id": "gz" + path})
		if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Encoding") != "gzip" || !varies(resp) ||
			resp.Header.Get("Content-Type") != "application/json" {
			t.Fatalf("%s with gzip: %d, headers %v", path, resp.StatusCode, resp.Header)
		}
		if got := gunzip(t, body); !bytes.Equal(got, want) {
			t.Errorf("%s: the decompressed answer is not the plain one:\n%s\n%s", path, got, want)
		}
		if len(body)*3 > len(want) {
			t.Errorf("%s: %d bytes compressed to %d", path, len(want), len(body))
		}
		logs.waitFor(t, "request", "request_id=gz"+path, "status=200")
	}

	// Which Accept-Encoding values admit gzip.
	for value, want := range map[string]bool{
		"gzip": true, "GZIP": true, "x-gzip": true, "deflate, gzip;q=0.5": true, "br;q=1, gzip ; q=0.1": true,
		"*": true, "br, *;q=0.2": true, "identity": false, "br": false, "gzip;q=0": false, "gzip;q=0.000": false,
		"*;q=0": false, "gzip;q=0, *": false, "gzip;q=x": false,
	} {
		resp, _ := get(t, "GET", srv.URL+"/v1/openapi.json", map[string]string{"Accept-Encoding": value})
		if got := resp.Header.Get("Content-Encoding") == "gzip"; got != want {
			t.Errorf("Accept-Encoding %q: compressed %v, want %v", value, got, want)
		}
	}

	// Small answers, errors included, and HEAD are sent as they are; the probes without Vary.
	for _, c := range []struct {
		method, path string
		vary         bool
	}{
		{"GET", "/v1/assets", true},
		{"GET", "/v1/transfers/nope", true},
		{"GET", "/v1/nope", true},
		{"HEAD", "/v1/openapi.json", true},
		{"GET", "/healthz", false},
		{"GET", "/readyz", false},
	} {
		resp, body := get(t, c.method, srv.URL+c.path, map[string]string{"Authorization": auth, "Accept-Encoding": "gzip"})
		if resp.Header.Get("Content-Encoding") != "" || varies(resp) != c.vary || (c.method == "GET" && len(body) == 0) {
			t.Errorf("%s %s: %d, Content-Encoding %q, Vary %q, %d bytes", c.method, c.path, resp.StatusCode,
				resp.Header.Get("Content-Encoding"), resp.Header.Values("Vary"), len(body))
		}
	}
}

// TestCompressFlush: a handler that flushes streams its answer; what it wrote reaches the
// client at once, compressed if it had reached the size to be, as it is otherwise.
func TestCompressFlush(t *testing.T) {
	t.Parallel()
	for _, first := range []int{10, 2000} {
		t.Run(fmt.Sprint(first), func(t *testing.T) {
			t.Parallel()
			more := make(chan struct{})
			srv := httptest.NewServer(httpapi.Compressed(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Write(bytes.Repeat([]byte("a"), first))
				if err := http.NewResponseController(w).Flush(); err != nil {
					t.Errorf("flush: %v", err)
				}
				<-more
				w.Write(bytes.Repeat([]byte("b"), 2000))
			})))
			t.Cleanup(srv.Close)
			var once sync.Once
			proceed := func() { once.Do(func() { close(more) }) }
			t.Cleanup(proceed) // before srv.Close, which waits for the handler
			req, _ := http.NewRequest("GET", srv.URL, nil)
			req.Header.Set("Accept-Encoding", "gzip")
			// The timeout ends a read of what was never flushed.
			hc := &http.Client{Transport: plainClient.Transport, Timeout: 10 * time.Second}
			resp, err := hc.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			var body io.Reader = resp.Body
			if compressed := resp.Header.Get("Content-Encoding") == "gzip"; compressed != (first >= 1024) {
				t.Fatalf("%d bytes flushed: Content-Encoding %q", first, resp.Header.Get("Content-Encoding"))
			}
			if first >= 1024 {
				if body, err = gzip.NewReader(resp.Body); err != nil {
					t.Fatal(err)
				}
			}
			// The handler waits for the client to have read what it flushed.
			got := make([]byte, first)
			if _, err := io.ReadFull(body, got); err != nil || !bytes.Equal(got, bytes.Repeat([]byte("a"), first)) {
				t.Fatalf("the flushed part: %v", err)
			}
			proceed()
			rest, err := io.ReadAll(body)
			if err != nil || !bytes.Equal(rest, bytes.Repeat([]byte("b"), 2000)) {
				t.Fatalf("the rest: %d bytes, %v", len(rest), err)
			}
		})
	}
}

// BenchmarkListTransfersGzip gets a page of a thousand transfers through the server, as it is
// and gzip-compressed, and reports the bytes on the wire. Compare the two with
//
//	go test -run '^$' -bench ListTransfersGzip -count 10 ./httpapi > gz.txt
//	benchstat -col /encoding gz.txt
func BenchmarkListTransfersGzip(b *testing.B) {
	e := setup(b)
	e.deposit("fund", "alice", "USD", "1000")
	for i := range 10 {
		e.deposit(fmt.Sprint("open-", i), fmt.Sprint("bob-", i), "USD", "1")
	}
	// Ids and references as random as a client's (UUIDs, say), so that the page compresses no
	// better than a real one would.
	rng := rand.New(rand.NewPCG(1, 2))
	items := make([]client.TransferRequest, 1000)
	for i := range items {
		items[i] = client.TransferRequest{ID: fmt.Sprintf("t-%016x", rng.Uint64()), DebitAccountID: "wallet:alice:USD",
			CreditAccountID: fmt.Sprint("wallet:bob-", i%10, ":USD"), Amount: fmt.Sprintf("0.%02d", 1+rng.IntN(99)),
			Reference: fmt.Sprintf("order-%016x", rng.Uint64())}
	}
	if _, err := e.admin.CreateTransfers(context.Background(), client.BatchRequest{Mode: "atomic", ID: "fill", Transfers: items}); err != nil {
		b.Fatal(err)
	}
	for _, encoding := range []string{"identity", "gzip"} {
		b.Run("encoding="+encoding, func(b *testing.B) {
			req, _ := http.NewRequest("GET", e.url+"/v1/transfers?limit=1000", nil)
			req.Header.Set("Authorization", "Bearer "+e.readerKey)
			req.Header.Set("Accept-Encoding", encoding)
			var wire int
			for b.Loop() {
				resp, err := plainClient.Do(req)
				if err != nil {
					b.Fatal(err)
				}
				n, err := io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if err != nil || resp.StatusCode != http.StatusOK {
					b.Fatalf("%d %v", resp.StatusCode, err)
				}
				wire = int(n)
			}
			b.ReportMetric(float64(wire), "wire-B/op")
		})
	}
}
