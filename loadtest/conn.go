package loadtest

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"time"

	"github.com/cofferhq/coffer/client"
)

// connTransport is the http.RoundTripper of one client of a run: its requests, one at a time,
// over one kept-alive connection that the client's own goroutine writes and reads, with the
// standard library's HTTP/1.1 request writer and response reader.
//
// net/http's Transport hands every request to a writer and a reader goroutine of the
// connection and back, and arms a timer for it; on these two cores, which the load generator
// shares with the server it measures, that cost the load generator 0.4 of a core at 4,600
// requests per second, CPU the server then did not have.
type connTransport struct {
	dialer net.Dialer
	conn   net.Conn
	br     *bufio.Reader
	bw     *bufio.Writer
}

// RoundTrip sends req and reads the response's head; the body is read from the connection as
// the caller reads it, and closing it makes the connection ready for the next request.
func (t *connTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Body != nil {
		defer req.Body.Close()
	}
	ctx := req.Context()
	if t.conn == nil {
		c, err := t.dialer.DialContext(ctx, "tcp", req.URL.Host)
		if err != nil {
			return nil, err
		}
		t.conn, t.br, t.bw = c, bufio.NewReader(c), bufio.NewWriter(c)
	}
	// The connection's deadline is the request's: its context's, or client.TimeoutDefault from now.
	deadline := time.Now().Add(client.TimeoutDefault)
	if d, ok := ctx.Deadline(); ok && d.Before(deadline) {
		deadline = d
	}
	if err := t.conn.SetDeadline(deadline); err != nil {
		t.close()
		return nil, err
	}
	// A cancelled context interrupts whatever the connection is waiting for.
	conn := t.conn
	stop := context.AfterFunc(ctx, func() { conn.SetDeadline(time.Unix(1, 0)) })
	resp, err := t.send(req)
	if err != nil {
		stop()
		t.close()
		if ctx.Err() != nil {
			err = ctx.Err()
		}
		return nil, err
	}
	resp.Body = &connBody{body: resp.Body, t: t, stop: stop, reuse: !resp.Close}
	return resp, nil
}

func (t *connTransport) send(req *http.Request) (*http.Response, error) {
	if err := req.Write(t.bw); err != nil {
		return nil, fmt.Errorf("write request: %w", err)
	}
	if err := t.bw.Flush(); err != nil {
		return nil, fmt.Errorf("write request: %w", err)
	}
	resp, err := http.ReadResponse(t.br, req)
	if err != nil {
		return nil, fmt.Errorf("read response: %w", err)
	}
	return resp, nil
}

// close closes the connection; the next request dials a new one.
func (t *connTransport) close() {
	if t.conn != nil {
		t.conn.Close()
		t.conn, t.br, t.bw = nil, nil, nil
	}
}

// connBodyDrainMax is how much of an unread body Close reads to keep the connection; past it,
// the connection is closed instead.
const connBodyDrainMax = 64 << 10

// connBody is a response body on a connTransport's connection.
type connBody struct {
	body  io.ReadCloser
	t     *connTransport
	stop  func() bool
	reuse bool
	done  bool
}

func (b *connBody) Read(p []byte) (int, error) { return b.body.Read(p) }

// Close reads what is left of the body, so the connection is at the next response, or closes
// the connection if that fails or the server asked for it.
func (b *connBody) Close() error {
	if b.done {
		return nil
	}
	b.done = true
	n, err := io.Copy(io.Discard, io.LimitReader(b.body, connBodyDrainMax+1))
	b.body.Close()
	interrupted := !b.stop()
	if err != nil || n > connBodyDrainMax || !b.reuse || interrupted {
		b.t.close()
	}
	if err != nil && !errors.Is(err, io.EOF) {
		return err
	}
	return nil
}
