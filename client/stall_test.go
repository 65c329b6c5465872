package client_test

import (
	"bytes"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/cofferhq/coffer"
	"github.com/cofferhq/coffer/client"
)

// A CSV statement that keeps coming for longer than the client's Timeout is read to its end:
// the Timeout bounds each wait for bytes, not the download. A server that stops sending ends
// the call once the Timeout passes with nothing. The server here is a stand-in that paces its
// answer, since the real one cannot be made to write slowly.
func TestStreamedCallBoundedByProgress(t *testing.T) {
	const lines = 40
	stalled := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/csv")
		fmt.Fprintln(w, "seq,amount")
		w.(http.Flusher).Flush()
		if strings.Contains(r.URL.Path, "stalls") {
			select { // nothing more until the client gives up
			case <-r.Context().Done():
			case <-stalled:
			}
			return
		}
		tick := time.NewTicker(50 * time.Millisecond)
		defer tick.Stop()
		for i := range lines {
			<-tick.C
			fmt.Fprintf(w, "%d,1.00\n", i)
			w.(http.Flusher).Flush()
		}
	}))
	defer srv.Close()
	defer close(stalled)

	c := client.New(srv.URL, "key")
	c.HTTP.Timeout = time.Second // the statement takes about two

	var out bytes.Buffer
	if err := c.StatementCSV(t.Context(), "slow", time.Time{}, time.Time{}, &out); err != nil {
		t.Fatalf("a statement that keeps coming: %v (read %d lines)", err, strings.Count(out.String(), "\n"))
	}
	if got := strings.Count(out.String(), "\n"); got != lines+1 {
		t.Fatalf("read %d lines, want %d", got, lines+1)
	}

	c.HTTP.Timeout = 200 * time.Millisecond
	out.Reset()
	err := c.StatementCSV(t.Context(), "stalls", time.Time{}, time.Time{}, &out)
	if coffer.ErrorCode(err) != coffer.EUNAVAILABLE || !strings.Contains(coffer.ErrorMessage(err), "no progress for 200ms") {
		t.Fatalf("a statement that stops: %v, want %s naming no progress", err, coffer.EUNAVAILABLE)
	}
	if out.String() != "seq,amount\n" {
		t.Fatalf("read %q before the stall", out.String())
	}
}
