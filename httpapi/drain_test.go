package httpapi_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/cofferhq/coffer/client"
	"github.com/cofferhq/coffer/httpapi"
)

// TestDrain: before Start requests pass; after it /readyz and any new request but /healthz are
// answered 503 unavailable with Connection: close, and a request already running when it began
// answers as it would, with Connection: close.
func TestDrain(t *testing.T) {
	started, release := make(chan struct{}), make(chan struct{})
	next := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/slow" {
			close(started)
			<-release
		}
		w.WriteHeader(http.StatusTeapot)
	})
	d := httpapi.NewDrain(next)
	serve := func(path string) *httptest.ResponseRecorder {
		rec := httptest.NewRecorder()
		d.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
		return rec
	}
	if rec := serve("/readyz"); rec.Code != http.StatusTeapot || rec.Header().Get("Connection") != "" {
		t.Fatalf("before Start: %d %q", rec.Code, rec.Header().Get("Connection"))
	}
	slow := make(chan *httptest.ResponseRecorder)
	go func() { slow <- serve("/slow") }()
	<-started
	d.Start()
	if !d.Draining() {
		t.Fatal("not draining after Start")
	}
	for _, path := range []string{"/readyz", "/v1/deposits"} {
		rec := serve(path)
		var e client.ErrorResponse
		if err := json.Unmarshal(rec.Body.Bytes(), &e); rec.Code != http.StatusServiceUnavailable || err != nil ||
			e.Error.Code != "unavailable" || rec.Header().Get("Connection") != "close" {
			t.Errorf("%s while draining: %d %q %s", path, rec.Code, rec.Header().Get("Connection"), rec.Body)
		}
	}
	if rec := serve("/healthz"); rec.Code != http.StatusTeapot {
		t.Errorf("healthz while draining: %d", rec.Code)
	}
	close(release)
	if rec := <-slow; rec.Code != http.StatusTeapot || rec.Header().Get("Connection") != "close" {
		t.Errorf("a request running when the drain began: %d %q", rec.Code, rec.Header().Get("Connection"))
	}
}
