package client

import (
	"context"
	"net/http"
	"net/url"
)

// Key is an API key as the API shows it, never with its secret.
type Key struct {
	// ID is "key_" and 16 hex digits.
	ID string `json:"id"`
	// Name is a label for people.
	Name string `json:"name"`
	// Role is admin, operator or reader.
	Role string `json:"role"`
	// CreatedAt is when the key was created.
	CreatedAt Time `json:"created_at"`
	// RevokedAt is when the key was revoked; nil while it works.
	RevokedAt *Time `json:"revoked_at,omitempty"`
}

// CreatedKey is the answer to POST /v1/keys: the key and its secret, shown this once.
type CreatedKey struct {
	// Key is the key created.
	Key
	// Secret is "ck_" and 64 hex digits: pass it to New. Only its hash is stored.
	Secret string `json:"secret"`
}

// CreateKeyRequest is the body of POST /v1/keys.
type CreateKeyRequest struct {
	// Name is 1 to 64 printable characters without spaces.
	Name string `json:"name"`
	// Role is admin, operator or reader.
	Role string `json:"role"`
}

// KeysQuery pages GET /v1/keys.
type KeysQuery struct {
	// Cursor is a NextCursor of the page before; empty for the first page.
	Cursor string
	// Limit is the most keys on the page; 0 is the server's default.
	Limit int
}

// KeyPage is one page of GET /v1/keys, oldest first.
type KeyPage struct {
	// Keys are the page's keys.
	Keys []Key `json:"keys"`
	// HasMore says whether more follow this page.
	HasMore bool `json:"has_more"`
	// NextCursor is the Cursor of the next page, set only when HasMore.
	NextCursor string `json:"next_cursor,omitempty"`
}

// CreateKey creates an API key (admin only) and returns it with its secret, shown this once.
func (c *Client) CreateKey(ctx context.Context, req CreateKeyRequest) (*CreatedKey, error) {
	return call[CreatedKey](ctx, c, http.MethodPost, "/v1/keys", nil, req)
}

// Keys lists a page of the API keys (admin only), oldest first, without secrets.
func (c *Client) Keys(ctx context.Context, q KeysQuery) (*KeyPage, error) {
	return call[KeyPage](ctx, c, http.MethodGet, "/v1/keys", pageQuery(url.Values{}, q.Cursor, q.Limit), nil)
}

// RevokeKey revokes an API key (admin only). Revoking it again answers the same.
func (c *Client) RevokeKey(ctx context.Context, id string) (*Key, error) {
	return call[Key](ctx, c, http.MethodPost, "/v1/keys/"+pathID(id)+"/revoke", nil, nil)
}
