package httpapi

import (
	"cmp"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/cofferhq/coffer"
	"github.com/cofferhq/coffer/client"
)

// keyNameLengthMax caps a key's name, a label for people.
const keyNameLengthMax = 64

func renderKey(k coffer.Key) client.Key {
	return client.Key{ID: k.ID, Name: k.Name, Role: string(k.Role), CreatedAt: apiTime(k.CreatedAt), RevokedAt: apiTimePtr(k.RevokedAt)}
}

// randomHex returns n random bytes in hex. crypto/rand.Read never fails.
func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}

func (s *Server) createKey(r *http.Request) (int, any, error) {
	var req client.CreateKeyRequest
	if err := s.decode(r, &req, false); err != nil {
		return 0, nil, err
	}
	switch {
	case req.Name == "" || len(req.Name) > keyNameLengthMax || !printableNoSpace(req.Name):
		return 0, nil, coffer.Invalid("name", "name must be 1 to %d printable characters without spaces", keyNameLengthMax)
	case !coffer.ValidRole(coffer.Role(req.Role)):
		return 0, nil, coffer.Invalid("role", "role %q must be admin, operator or reader", req.Role)
	}
	secret := "ck_" + randomHex(32)
	sum := sha256.Sum256([]byte(secret))
	k := coffer.Key{ID: "key_" + randomHex(8), Name: req.Name, Role: coffer.Role(req.Role),
		Hash: hex.EncodeToString(sum[:]), CreatedAt: time.Now().UTC().Truncate(time.Microsecond)}
	e, err := keyEvent(coffer.EventKeyCreated, k, info(r.Context()).keyID)
	if err != nil {
		return 0, nil, err
	}
	if err := s.store.CreateKey(r.Context(), k, e); err != nil {
		return 0, nil, err
	}
	return http.StatusCreated, client.CreatedKey{Key: renderKey(k), Secret: secret}, nil
}

// listKeys pages the keys in memory, in the order of their creation: the store reads them all,
// since only an admin creates one and there are few.
func (s *Server) listKeys(r *http.Request) (int, any, error) {
	q := r.URL.Query()
	limit, err := pageLimit(q)
	if err != nil {
		return 0, nil, err
	}
	var afterTime time.Time
	var afterID string
	if c := q.Get("cursor"); c != "" {
		if afterTime, afterID, err = decodeTimeCursor(c); err != nil {
			return 0, nil, err
		}
	}
	ks, err := s.store.Keys(r.Context())
	if err != nil {
		return 0, nil, err
	}
	slices.SortFunc(ks, compareKeys)
	if afterID != "" {
		after := coffer.Key{ID: afterID, CreatedAt: afterTime}
		start, _ := slices.BinarySearchFunc(ks, after, compareKeys)
		if start < len(ks) && compareKeys(ks[start], after) == 0 {
			start++
		}
		ks = ks[start:]
	}
	items, more, next, _ := paged(ks, limit, infallible(renderKey), func(k coffer.Key) string { return timeCursor(k.CreatedAt, k.ID) })
	return http.StatusOK, client.KeyPage{Keys: items, HasMore: more, NextCursor: next}, nil
}

// compareKeys orders keys by creation, then id.
func compareKeys(a, b coffer.Key) int {
	return cmp.Or(a.CreatedAt.Compare(b.CreatedAt), strings.Compare(a.ID, b.ID))
}

// revokeKey revokes a key; revoking a revoked key again answers the same, with the first
// revocation's time.
func (s *Server) revokeKey(r *http.Request) (int, any, error) {
	id := r.PathValue("id")
	ks, err := s.store.Keys(r.Context())
	if err != nil {
		return 0, nil, err
	}
	// The event names the key as it will stand; RevokeKey writes it only if it revokes.
	at := time.Now().UTC().Truncate(time.Microsecond)
	var events []coffer.Event
	for _, k := range ks {
		if k.ID == id && k.RevokedAt == nil {
			k.RevokedAt = &at
			e, err := keyEvent(coffer.EventKeyRevoked, k, info(r.Context()).keyID)
			if err != nil {
				return 0, nil, err
			}
			events = append(events, e)
		}
	}
	err = s.store.RevokeKey(r.Context(), id, at, events...)
	if err != nil && coffer.ErrorCode(err) != coffer.ENOTFOUND {
		return 0, nil, err
	}
	// Drop it here at once; other processes drop it within KeyCacheTTL.
	s.auth.forget(id)
	ks, lerr := s.store.Keys(r.Context())
	if lerr != nil {
		return 0, nil, lerr
	}
	for _, k := range ks {
		if k.ID == id && k.RevokedAt != nil {
			return http.StatusOK, renderKey(k), nil
		}
	}
	if err != nil {
		return 0, nil, err
	}
	return 0, nil, coffer.Errorf(coffer.ENOTFOUND, "key %q does not exist", id)
}

// keyEvent is the event of an admin's change of key k, made with the key byKeyID. It names
// the key, never its secret or hash.
func keyEvent(typ string, k coffer.Key, byKeyID string) (coffer.Event, error) {
	data, err := json.Marshal(coffer.KeyNotice{ID: k.ID, Name: k.Name, Role: k.Role, CreatedAt: k.CreatedAt,
		RevokedAt: k.RevokedAt, ByKeyID: byKeyID})
	if err != nil {
		return coffer.Event{}, err
	}
	at := k.CreatedAt
	if k.RevokedAt != nil {
		at = *k.RevokedAt
	}
	return coffer.Event{Type: typ, Subject: k.ID, Data: data, CreatedAt: at}, nil
}
