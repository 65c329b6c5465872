package client

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"
)

// A streamed call (a statement file uploaded, a CSV statement downloaded) may rightly take
// longer than Client.HTTP's Timeout, which bounds a whole exchange, body included. Such a call
// is sent without that bound and bounded instead by progress: it fails when Timeout passes
// with no byte sent or received, so a hung server still cannot hang the caller, while a year's
// statement that keeps coming is read to its end.

// errStalled is the cause of a streamed call's end when no byte moved for its timeout.
var errStalled = errors.New("no progress")

// stallGuard cancels a call's context when no byte has moved for d.
type stallGuard struct {
	d     time.Duration
	timer *time.Timer
}

// streaming returns the HTTP client for a streamed call, the context to send it with, and the
// guard that must wrap its bodies; a nil guard when c.HTTP has no Timeout to convert.
func (c *Client) streaming(ctx context.Context) (*http.Client, context.Context, *stallGuard, context.CancelFunc) {
	d := c.HTTP.Timeout
	if d <= 0 {
		return c.HTTP, ctx, nil, func() {}
	}
	unbounded := *c.HTTP
	unbounded.Timeout = 0
	ctx, cancel := context.WithCancelCause(ctx)
	g := &stallGuard{d: d, timer: time.AfterFunc(d, func() {
		cancel(fmt.Errorf("%w for %s", errStalled, d))
	})}
	return &unbounded, ctx, g, func() {
		g.timer.Stop()
		cancel(context.Canceled)
	}
}

// reader returns r whose every read that moves bytes puts the guard's deadline back to d.
func (g *stallGuard) reader(r io.Reader) io.Reader {
	if g == nil || r == nil {
		return r
	}
	return guardedReader{r: r, g: g}
}

type guardedReader struct {
	r io.Reader
	g *stallGuard
}

func (gr guardedReader) Read(p []byte) (int, error) {
	n, err := gr.r.Read(p)
	if n > 0 {
		gr.g.timer.Reset(gr.g.d)
	}
	return n, err
}

// stallCause returns the reason a streamed call's context ended, when it stalled.
func stallCause(ctx context.Context, err error) error {
	if cause := context.Cause(ctx); errors.Is(cause, errStalled) {
		return cause
	}
	return err
}
