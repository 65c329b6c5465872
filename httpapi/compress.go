package httpapi

import (
	"compress/gzip"
	"net/http"
	"strconv"
	"strings"
	"sync"
)

// Compression of large answers: an answer of at least compressBytesMin bytes is gzip-compressed
// when the request accepts gzip. A page of a thousand transfers shrinks ninefold.
const (
	// compressBytesMin is the smallest answer compressed. A smaller one fits one TCP segment
	// (1,460 bytes of payload on Ethernet) with its headers as it is, so compressing it would
	// save no packet and still cost a compressor's work and gzip's 18 bytes of framing.
	compressBytesMin = 1024
	// compressLevel trades size for the server's CPU, which a ledger needs for its writes.
	// BestSpeed takes a page of a thousand transfers to 11% of its size, the default level to
	// 8.6% for about twice the added time (BenchmarkListTransfersGzip).
	compressLevel = gzip.BestSpeed
)

// gzipWriters keeps compressors between answers: each holds a few hundred kilobytes of state,
// too much to allocate per answer.
var gzipWriters = sync.Pool{New: func() any {
	w, err := gzip.NewWriterLevel(nil, compressLevel)
	if err != nil {
		panic(err) // compressLevel is a valid level
	}
	return w
}}

// compressing returns the writer of r's answer that compresses it if it turns out large, or nil
// if the answer is not to be compressed at all. Vary: Accept-Encoding goes on every answer that
// could have been compressed, compressed or not, so that a cache keeps the two apart.
func compressing(w http.ResponseWriter, r *http.Request) *compressWriter {
	switch r.URL.Path {
	case "/healthz", "/readyz":
		// Probes: a few bytes each, asked for again and again.
		return nil
	}
	w.Header().Add("Vary", "Accept-Encoding")
	if r.Method == http.MethodHead || !acceptsGzip(r.Header.Values("Accept-Encoding")) {
		return nil
	}
	return &compressWriter{ResponseWriter: w}
}

// acceptsGzip reports whether the Accept-Encoding values admit gzip: named (or x-gzip, its old
// name) with a weight above 0, or "*" with a weight above 0 while gzip is not named.
func acceptsGzip(values []string) bool {
	named, star := false, false
	for _, v := range values {
		for item := range strings.SplitSeq(v, ",") {
			coding, params, _ := strings.Cut(item, ";")
			coding = strings.ToLower(strings.TrimSpace(coding))
			ok := weight(params) > 0
			switch coding {
			case "gzip", "x-gzip":
				if !ok {
					return false
				}
				named = true
			case "*":
				star = ok
			}
		}
	}
	return named || star
}

// weight returns the q parameter of an Accept-Encoding item's parameters: 1 if absent, 0 if
// it does not parse.
func weight(params string) float64 {
	for p := range strings.SplitSeq(params, ";") {
		name, value, _ := strings.Cut(strings.TrimSpace(p), "=")
		if strings.EqualFold(strings.TrimSpace(name), "q") {
			q, err := strconv.ParseFloat(strings.TrimSpace(value), 64)
			if err != nil {
				return 0
			}
			return q
		}
	}
	return 1
}

// compressWriter holds back an answer's status and first bytes until it knows its size: once
// they reach compressBytesMin it sends them gzip-compressed, and what follows through the same
// compressor; an answer that ends (finish) or is flushed before is sent as it is.
type compressWriter struct {
	http.ResponseWriter
	status  int
	held    []byte
	decided bool
	gz      *gzip.Writer // while compressing
}

func (w *compressWriter) WriteHeader(status int) {
	switch {
	case w.decided:
		w.ResponseWriter.WriteHeader(status) // net/http reports a superfluous call
	case status < 200:
		w.ResponseWriter.WriteHeader(status) // informational: the answer comes after
	case w.status == 0:
		w.status = status
		if status == http.StatusNoContent || status == http.StatusNotModified {
			w.send(false)
		}
	}
}

func (w *compressWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	if !w.decided {
		if len(w.held)+len(b) < compressBytesMin {
			w.held = append(w.held, b...)
			return len(b), nil
		}
		if err := w.send(true); err != nil {
			return 0, err
		}
	}
	if w.gz != nil {
		return w.gz.Write(b)
	}
	return w.ResponseWriter.Write(b)
}

// send ends the holding back: it writes the status and what was held, compressed or not.
func (w *compressWriter) send(compress bool) error {
	w.decided = true
	if compress {
		h := w.Header()
		h.Set("Content-Encoding", "gzip")
		h.Del("Content-Length")
		w.gz = gzipWriters.Get().(*gzip.Writer)
		w.gz.Reset(w.ResponseWriter)
	}
	w.ResponseWriter.WriteHeader(w.status)
	held := w.held
	w.held = nil
	if len(held) == 0 {
		return nil
	}
	var err error
	if w.gz != nil {
		_, err = w.gz.Write(held)
	} else {
		_, err = w.ResponseWriter.Write(held)
	}
	return err
}

// Flush sends what the handler wrote so far: a handler that flushes is streaming, so an answer
// still held back is sent as it is rather than waited on.
func (w *compressWriter) Flush() {
	if !w.decided {
		if w.status == 0 {
			w.status = http.StatusOK
		}
		w.send(false)
	}
	if w.gz != nil {
		w.gz.Flush()
	}
	http.NewResponseController(w.ResponseWriter).Flush()
}

// Unwrap gives http.ResponseController the writer beneath, for deadlines.
func (w *compressWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// finish sends an answer still held back, as it is, or ends the compressed stream. It is called
// once the handler has returned, its panic handled.
func (w *compressWriter) finish() {
	if !w.decided {
		if w.status == 0 {
			return // nothing was written: net/http answers as for any handler
		}
		w.send(false)
	}
	if w.gz != nil {
		w.gz.Close()
		w.gz.Reset(nil)
		gzipWriters.Put(w.gz)
		w.gz = nil
	}
}
