package httpapi

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"

	"github.com/cofferhq/coffer"
	"github.com/cofferhq/coffer/client"
	"github.com/cofferhq/coffer/ledger"
)

func renderAsset(a coffer.Asset) client.Asset {
	return client.Asset{Code: a.Code, Scale: a.Scale, CreatedAt: apiTime(a.CreatedAt)}
}

// assetCache keeps the assets seen so far. Assets never change once created and there are few of
// them (only an admin creates one), so the cache needs neither expiry nor a bound.
type assetCache struct {
	store  coffer.Store
	mu     sync.RWMutex
	byCode map[string]coffer.Asset
}

func (c *assetCache) get(ctx context.Context, code string) (coffer.Asset, error) {
	c.mu.RLock()
	a, ok := c.byCode[code]
	c.mu.RUnlock()
	if ok {
		return a, nil
	}
	a, err := c.store.Asset(ctx, code)
	if err != nil {
		return coffer.Asset{}, err
	}
	c.put(a)
	return a, nil
}

func (c *assetCache) put(a coffer.Asset) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.byCode == nil {
		c.byCode = map[string]coffer.Asset{}
	}
	c.byCode[a.Code] = a
}

// asset returns the asset named in a request field: invalid if it is left out, not_found if
// there is no such asset.
func (s *Server) asset(ctx context.Context, field, code string) (coffer.Asset, error) {
	if code == "" {
		return coffer.Asset{}, coffer.Invalid(field, "%s is required", field)
	}
	if len(code) > coffer.IDLengthMax || !printableNoSpace(code) {
		return coffer.Asset{}, &coffer.Error{Code: coffer.ENOTFOUND, Message: fmt.Sprintf("asset %q does not exist", code), Param: field}
	}
	a, err := s.assets.get(ctx, code)
	return a, withParam(field, err)
}

// scale returns the scale of an asset that is known to exist (a stored account's or transfer's).
func (s *Server) scale(ctx context.Context, code string) (int, error) {
	a, err := s.assets.get(ctx, code)
	if err != nil {
		return 0, err
	}
	return a.Scale, nil
}

// createAssetBody is client.CreateAssetRequest as decoded, to tell a missing scale from scale 0.
type createAssetBody struct {
	Code  string `json:"code"`
	Scale *int   `json:"scale"`
}

func (s *Server) createAsset(r *http.Request) (int, any, error) {
	return s.createAssetInput(r.Context(), httpInput(r))
}

func (s *Server) createAssetInput(ctx context.Context, in input) (int, any, error) {
	var req createAssetBody
	if err := s.decodeInput(in, &req, false); err != nil {
		return 0, nil, err
	}
	if req.Scale == nil {
		return 0, nil, coffer.Invalid("scale", "scale is required: the number of decimals of the minor unit, 0 to %d", coffer.ScaleMax)
	}
	if *req.Scale < 0 || *req.Scale > coffer.ScaleMax {
		return 0, nil, coffer.Invalid("scale", "scale %d must be between 0 and %d", *req.Scale, coffer.ScaleMax)
	}
	// With the scale checked, what Validate refuses is the code.
	if err := (coffer.Asset{Code: req.Code, Scale: *req.Scale}).Validate(); err != nil {
		return 0, nil, withParam("code", err)
	}
	res, err := s.do(ctx, ledger.CreateAsset{Code: req.Code, Scale: *req.Scale})
	if err != nil {
		return 0, nil, err
	}
	if res.Asset == nil {
		return 0, nil, errNoSnapshot("asset")
	}
	s.assets.put(*res.Asset)
	return http.StatusCreated, renderAsset(*res.Asset), nil
}

// listAssets pages the assets in memory: the store reads them all, since only an admin creates
// one and there are few.
func (s *Server) listAssets(r *http.Request) (int, any, error) {
	q := r.URL.Query()
	limit, err := pageLimit(q)
	if err != nil {
		return 0, nil, err
	}
	after := ""
	if c := q.Get("cursor"); c != "" {
		if after, err = decodeCursor(c); err != nil {
			return 0, nil, err
		}
	}
	as, err := s.store.Assets(r.Context())
	if err != nil {
		return 0, nil, err
	}
	// In Go's order, whatever the database's collation, so that the cursor's comparison agrees.
	slices.SortFunc(as, func(a, b coffer.Asset) int { return strings.Compare(a.Code, b.Code) })
	start, _ := slices.BinarySearchFunc(as, after, func(a coffer.Asset, code string) int { return strings.Compare(a.Code, code) })
	if start < len(as) && as[start].Code == after {
		start++
	}
	items, more, next, _ := paged(as[start:], limit, infallible(renderAsset), func(a coffer.Asset) string { return encodeCursor(a.Code) })
	return http.StatusOK, client.AssetPage{Assets: items, HasMore: more, NextCursor: next}, nil
}
