package httpapi

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/cofferhq/coffer"
	"github.com/cofferhq/coffer/ledger"
)

// KeyCacheTTL is how long a stored key's lookup (found, revoked or unknown) is cached, so that a
// busy client does not cost a database read per request. A key revoked by another process keeps
// working in this one for at most this long; the process that revokes a key drops it at once.
const KeyCacheTTL = 10 * time.Second

// keyCacheSizeMax bounds the cache, so that a flood of made-up keys cannot fill memory. When it is
// full, expired lookups are dropped, and if that frees nothing the whole cache is.
const keyCacheSizeMax = 10_000

// adminKeyID names the bootstrap admin key in logs.
const adminKeyID = "bootstrap-admin"

type authenticator struct {
	store     coffer.Store
	adminHash [sha256.Size]byte
	hasAdmin  bool

	mu    sync.Mutex
	cache map[string]cachedKey // by hex SHA-256 of the secret
}

type cachedKey struct {
	key     coffer.Key
	found   bool
	expires time.Time
}

func newAuthenticator(store coffer.Store, adminKey string) *authenticator {
	a := &authenticator{store: store, cache: map[string]cachedKey{}}
	if adminKey != "" {
		a.adminHash, a.hasAdmin = sha256.Sum256([]byte(adminKey)), true
	}
	return a
}

// key returns the live key whose secret is given, or an unauthorized error.
func (a *authenticator) key(ctx context.Context, secret string) (coffer.Key, error) {
	sum := sha256.Sum256([]byte(secret))
	// Compare hashes, not secrets, in constant time: the time taken says nothing about the key.
	if a.hasAdmin && subtle.ConstantTimeCompare(sum[:], a.adminHash[:]) == 1 {
		return coffer.Key{ID: adminKeyID, Name: adminKeyID, Role: coffer.RoleAdmin}, nil
	}
	hash := hex.EncodeToString(sum[:])
	now := time.Now()
	a.mu.Lock()
	c, ok := a.cache[hash]
	a.mu.Unlock()
	if !ok || now.After(c.expires) {
		k, err := a.store.KeyByHash(ctx, hash)
		switch coffer.ErrorCode(err) {
		case "":
			c = cachedKey{key: k, found: true}
		case coffer.ENOTFOUND:
			c = cachedKey{}
		default:
			return coffer.Key{}, err
		}
		c.expires = now.Add(KeyCacheTTL)
		a.put(hash, c, now)
	}
	switch {
	case !c.found:
		return coffer.Key{}, coffer.Errorf(coffer.EUNAUTHORIZED, "the API key is not known")
	case c.key.RevokedAt != nil:
		return coffer.Key{}, coffer.Errorf(coffer.EUNAUTHORIZED, "the API key has been revoked")
	}
	return c.key, nil
}

func (a *authenticator) put(hash string, c cachedKey, now time.Time) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if len(a.cache) >= keyCacheSizeMax {
		for h, old := range a.cache {
			if now.After(old.expires) {
				delete(a.cache, h)
			}
		}
		if len(a.cache) >= keyCacheSizeMax {
			clear(a.cache)
		}
	}
	a.cache[hash] = c
}

// forget drops the cached lookups of the key with id, after it was revoked here.
func (a *authenticator) forget(id string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	for h, c := range a.cache {
		if c.found && c.key.ID == id {
			delete(a.cache, h)
		}
	}
}

// authorize checks the request's key and that its role allows need.
func (s *Server) authorize(r *http.Request, need coffer.Role) error {
	// Two keys are refused, not one of them picked: a proxy and the server could each pick
	// another.
	if n := len(r.Header.Values("Authorization")); n > 1 {
		return errInvalid("the request has %d Authorization headers; send one", n)
	}
	scheme, secret, ok := strings.Cut(r.Header.Get("Authorization"), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(secret) == "" {
		return coffer.Errorf(coffer.EUNAUTHORIZED, "send an API key as \"Authorization: Bearer <key>\"")
	}
	k, err := s.auth.key(r.Context(), strings.TrimSpace(secret))
	if err != nil {
		return err
	}
	ri := info(r.Context())
	ri.keyID, ri.role = k.ID, k.Role
	if !k.Role.Allows(need) {
		return coffer.Errorf(coffer.EFORBIDDEN, "a key with role %s may not do this; it needs role %s or higher", k.Role, need)
	}
	return nil
}

// permit checks that the request's key may send the command. A route's role is the least any of
// its requests needs; what a command asks of system money may need more (ledger.RoleFor).
func (s *Server) permit(ctx context.Context, c ledger.Command) error {
	need, why := ledger.RoleFor(c)
	if role := info(ctx).role; !role.Allows(need) {
		return coffer.Errorf(coffer.EFORBIDDEN, "a key with role %s may not do this: %s", role, why)
	}
	if s.cfg.ApprovalsRequired {
		return unapproved(c, need, why)
	}
	return nil
}

// do applies a command the request's key is permitted to send.
func (s *Server) do(ctx context.Context, c ledger.Command) (*ledger.Result, error) {
	if err := s.permit(ctx, c); err != nil {
		return nil, err
	}
	return s.ledger.Do(ctx, c)
}

// unapproved refuses, with approvals on, an admin's money move that no second admin key
// approved: an adjustment goes through POST /v1/adjustments as a request, and a raw transfer
// that needs an admin (one that debits a system account, or is typed adjustment) is refused.
func unapproved(c ledger.Command, need coffer.Role, why string) error {
	switch c := c.(type) {
	case ledger.Adjust:
		if c.ApprovedByKeyID == "" {
			return coffer.Errorf(coffer.EFORBIDDEN, "approvals are on: adjustment %q is applied only once another admin key approves it", c.ID)
		}
	case ledger.CreateTransfers:
		if need == coffer.RoleAdmin {
			return coffer.Errorf(coffer.EFORBIDDEN,
				"approvals are on, and this transfer moves money only an admin may (%s): make it an adjustment (POST /v1/adjustments), which another admin key approves", why)
		}
	}
	return nil
}
