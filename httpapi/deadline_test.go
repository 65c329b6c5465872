package httpapi_test

import (
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/cofferhq/coffer/httpapi"
)

// TestBatchReadDeadline: a batch request that sends part of its body and then nothing is
// refused once BatchReadTimeout has passed, by the server alone and behind the drain as serve
// runs it: the deadline reaches the connection through every ResponseWriter wrapped around it.
func TestBatchReadDeadline(t *testing.T) {
	t.Parallel()
	e := setup(t)
	srv := httpapi.New(httpapi.Config{Ledger: e.ledger, AdminKey: adminKey,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), BatchReadTimeout: 50 * time.Millisecond})
	handlers := map[string]http.Handler{"server": srv, "drain": httpapi.NewDrain(srv)}
	for name, h := range handlers {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			ts := httptest.NewServer(h)
			t.Cleanup(ts.Close)
			body := `{"mode":"independent","transfers":[`
			conn := dial(t, ts.URL)
			// Without the deadline nothing ends this request but the test's own: the test
			// server has no read timeout, and the body's length is never reached.
			conn.conn.SetDeadline(time.Now().Add(10 * time.Second))
			conn.write(fmt.Sprintf("POST /v1/transfers/batch HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\n"+
				"Content-Type: application/json\r\nContent-Length: %d\r\n\r\n%s", adminKey, len(body)+100, body))
			resp, data := conn.response()
			wantEnvelope(t, resp.StatusCode, data, http.StatusBadRequest, "invalid")
		})
	}
}
