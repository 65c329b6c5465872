package client

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/cofferhq/coffer"
)

// TimeoutDefault bounds every call of a Client that New returns, so that a hung server cannot
// hang the caller.
const TimeoutDefault = 30 * time.Second

// responseBytesMax caps an answer the client reads: the largest page or batch answer is a few
// megabytes.
const responseBytesMax = 64 << 20

// Client calls Coffer's API: one method per endpoint, each returning the decoded answer or a
// *coffer.Error (see the package documentation). The command line, the load generator and the
// end-to-end tests use it too. A Client may be used by many goroutines at once.
type Client struct {
	baseURL string
	apiKey  string
	// HTTP sends the requests. New sets one whose Timeout is TimeoutDefault; replace it, or its
	// Transport, to send requests another way. For the streamed calls (StatementCSV, and
	// ImportStatement's upload) its Timeout bounds each wait for progress, not the whole call.
	HTTP *http.Client
}

// New returns a client of the API at baseURL ("http://127.0.0.1:8080") that sends apiKey as
// its bearer key. An empty apiKey sends none, which only the health checks and the OpenAPI
// document accept.
func New(baseURL, apiKey string) *Client {
	return &Client{baseURL: strings.TrimRight(baseURL, "/"), apiKey: apiKey, HTTP: &http.Client{Timeout: TimeoutDefault}}
}

// do sends in (if not nil) as JSON and decodes a success into out (if not nil).
func (c *Client) do(ctx context.Context, method, path string, query url.Values, in, out any) error {
	var body io.Reader
	upload, isUpload := in.(uploadBody)
	if isUpload {
		body = upload.r
	} else if in != nil {
		data, err := json.Marshal(in)
		if err != nil {
			return coffer.Errorf(coffer.EINVALID, "encode request: %v", err)
		}
		body = bytes.NewReader(data)
	}
	hc := c.HTTP
	var guard *stallGuard
	if _, streamed := out.(io.Writer); streamed || isUpload {
		var stop context.CancelFunc
		hc, ctx, guard, stop = c.streaming(ctx)
		defer stop()
		if isUpload {
			body = guard.reader(body)
		}
	}
	u := c.baseURL + path
	if len(query) > 0 {
		u += "?" + query.Encode()
	}
	req, err := http.NewRequestWithContext(ctx, method, u, body)
	if err != nil {
		return coffer.Errorf(coffer.EINVALID, "build request: %v", err)
	}
	if isUpload {
		req.Header.Set("Content-Type", "application/octet-stream")
	} else if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.apiKey != "" {
		req.Header.Set("Authorization", "Bearer "+c.apiKey)
	}
	resp, err := hc.Do(req)
	if err != nil {
		return coffer.Errorf(coffer.EUNAVAILABLE, "%s %s: %v", method, path, stallCause(ctx, err))
	}
	defer resp.Body.Close()
	if w, ok := out.(io.Writer); ok && resp.StatusCode < 400 {
		// A streamed answer (a CSV statement) goes to w as it comes, whatever its size.
		if _, err := io.Copy(w, guard.reader(resp.Body)); err != nil {
			return coffer.Errorf(coffer.EUNAVAILABLE, "%s %s: read response: %v", method, path, stallCause(ctx, err))
		}
		return nil
	}
	data, err := io.ReadAll(io.LimitReader(guard.reader(resp.Body), responseBytesMax))
	if err != nil {
		return coffer.Errorf(coffer.EUNAVAILABLE, "%s %s: read response: %v", method, path, stallCause(ctx, err))
	}
	if resp.StatusCode >= 400 {
		return answerError(method, path, resp.StatusCode, data)
	}
	if out == nil {
		return nil
	}
	if raw, ok := out.(*[]byte); ok {
		*raw = data
		return nil
	}
	if err := json.Unmarshal(data, out); err != nil {
		return coffer.Errorf(coffer.EINTERNAL, "%s %s: HTTP %d: undecodable answer: %v", method, path, resp.StatusCode, err)
	}
	return nil
}

// uploadBody is a request body sent as it is read, not as JSON: a statement file.
type uploadBody struct{ r io.Reader }

// call is do for the answers decoded into a T.
func call[T any](ctx context.Context, c *Client, method, path string, query url.Values, in any) (*T, error) {
	var out T
	if err := c.do(ctx, method, path, query, in, &out); err != nil {
		return nil, err
	}
	return &out, nil
}
