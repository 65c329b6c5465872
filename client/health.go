package client

import (
	"context"
	"net/http"
)

// Health is the answer to GET /healthz and GET /readyz when all is well.
type Health struct {
	// Status is "ok".
	Status string `json:"status"`
}

// Health calls GET /healthz, which answers while the process runs. It needs no key.
func (c *Client) Health(ctx context.Context) error {
	return c.do(ctx, http.MethodGet, "/healthz", nil, nil, nil)
}

// Ready calls GET /readyz, which answers while the server takes requests and its database
// answers; an unavailable error says it does not. It needs no key.
func (c *Client) Ready(ctx context.Context) error {
	return c.do(ctx, http.MethodGet, "/readyz", nil, nil, nil)
}

// OpenAPI returns the OpenAPI document that describes the API, as the server serves it. It needs
// no key.
func (c *Client) OpenAPI(ctx context.Context) ([]byte, error) {
	var doc []byte
	err := c.do(ctx, http.MethodGet, "/v1/openapi.json", nil, nil, &doc)
	return doc, err
}
