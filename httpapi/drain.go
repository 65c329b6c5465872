package httpapi

import (
	"net/http"
	"sync/atomic"

	"github.com/cofferhq/coffer"
	"github.com/cofferhq/coffer/client"
)

// Drain is a handler in front of a Server that lets the process stop taking work without
// cutting a connection under a request: once Start is called, /readyz answers 503 at once, every
// other request that begins from then on is refused with 503 unavailable (JSON, nothing done),
// and every answer, those of requests already running included, carries "Connection: close". A
// kept-alive connection so ends after its next answer, which the client reads, instead of being
// closed while idle just as the client sends on it, which the client sees as a reset and cannot
// tell from a crash. /healthz goes on answering: the process is alive until it exits.
type Drain struct {
	next     http.Handler
	draining atomic.Bool
}

// NewDrain returns a Drain in front of next, not yet draining.
func NewDrain(next http.Handler) *Drain { return &Drain{next: next} }

// Start begins draining. It is safe to call more than once, and from any goroutine.
func (d *Drain) Start() { d.draining.Store(true) }

// Draining reports whether Start was called.
func (d *Drain) Draining() bool { return d.draining.Load() }

func (d *Drain) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if !d.draining.Load() || r.URL.Path == "/healthz" {
		d.next.ServeHTTP(&closingWriter{ResponseWriter: w, drain: d}, r)
		return
	}
	w.Header().Set("Connection", "close")
	msg := "the server is shutting down and takes no new requests; nothing was done: send it again, to another server or after the restart, with the same id"
	if r.URL.Path == "/readyz" {
		msg = "the server is shutting down"
	}
	writeJSON(w, http.StatusServiceUnavailable, client.ErrorResponse{Error: client.ErrorBody{Code: coffer.EUNAVAILABLE, Message: msg}})
}

// closingWriter adds "Connection: close" to an answer begun after the drain started.
type closingWriter struct {
	http.ResponseWriter
	drain *Drain
	wrote bool
}

func (w *closingWriter) WriteHeader(status int) {
	if !w.wrote {
		w.wrote = true
		if w.drain.draining.Load() {
			w.Header().Set("Connection", "close")
		}
	}
	w.ResponseWriter.WriteHeader(status)
}

func (w *closingWriter) Write(b []byte) (int, error) {
	if !w.wrote {
		w.WriteHeader(http.StatusOK)
	}
	return w.ResponseWriter.Write(b)
}

// Unwrap gives http.ResponseController the connection's writer, so that a handler's read
// deadline (the batch endpoint's) and flushes reach it through the drain.
func (w *closingWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
