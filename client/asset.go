package client

import (
	"context"
	"net/http"
	"net/url"
)

// Asset is a currency, a coin or a token as the API shows it.
type Asset struct {
	// Code names the asset: "USD", "ETH".
	Code string `json:"code"`
	// Scale is the number of decimals of the minor unit: 2 for cents, 0 for whole units, 18 for
	// wei. Every amount of the asset is written with exactly this many.
	Scale int `json:"scale"`
	// CreatedAt is when the asset was created.
	CreatedAt Time `json:"created_at"`
}

// CreateAssetRequest is the body of POST /v1/assets. Creating an asset also creates its system
// accounts system:world, system:fees and system:exchange. Its operation id is "/asset/" and the
// code, so creating it again with the same scale answers the same.
type CreateAssetRequest struct {
	// Code is 1 to 16 capital letters, digits or underscores, starting with a letter.
	Code string `json:"code"`
	// Scale is required: the decimals of the minor unit, 0 for whole units.
	Scale int `json:"scale"`
}

// AssetsQuery pages GET /v1/assets.
type AssetsQuery struct {
	// Cursor is a NextCursor of the page before; empty for the first page.
	Cursor string
	// Limit is the most assets on the page; 0 is the server's default.
	Limit int
}

// AssetPage is one page of GET /v1/assets, ordered by code.
type AssetPage struct {
	// Assets are the page's assets.
	Assets []Asset `json:"assets"`
	// HasMore says whether more follow this page.
	HasMore bool `json:"has_more"`
	// NextCursor is the Cursor of the next page, set only when HasMore.
	NextCursor string `json:"next_cursor,omitempty"`
}

// CreateAsset creates an asset (admin only).
func (c *Client) CreateAsset(ctx context.Context, req CreateAssetRequest) (*Asset, error) {
	return call[Asset](ctx, c, http.MethodPost, "/v1/assets", nil, req)
}

// Assets lists a page of the assets, by code.
func (c *Client) Assets(ctx context.Context, q AssetsQuery) (*AssetPage, error) {
	return call[AssetPage](ctx, c, http.MethodGet, "/v1/assets", pageQuery(url.Values{}, q.Cursor, q.Limit), nil)
}
