package httpapi

import (
	"net/http"
	"strings"

	"github.com/cofferhq/coffer"
)

// Mount serves h at pattern (a ServeMux pattern, such as "POST /api/wallets") beside the API's
// own routes: how a compatibility profile puts another system's contract on the API's
// listener. Its requests get what every request gets (a request id, a span, the log line, the
// panic handler, the Observer with pattern as the route) but no key check: h authenticates
// with Authenticate and answers in its own shape. Call it before the server serves.
func (s *Server) Mount(pattern string, h http.Handler) {
	s.mux.HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) {
		info(r.Context()).route = pattern
		h.ServeHTTP(w, r)
	})
}

// Authenticate checks a request's API key as the API's routes do, and that its role allows
// need; it returns the key's id. The key comes as "Authorization: Bearer <key>", or, when
// header is not empty and the request has that header, as the bare key in it: the header a
// gateway in front of an older system already sends. There is no way to send no key. The
// errors are *coffer.Error: unauthorized, forbidden, or invalid for two keys.
func (s *Server) Authenticate(r *http.Request, need coffer.Role, header string) (string, error) {
	if header != "" && len(r.Header.Values(header)) > 0 {
		if r.Header.Get("Authorization") != "" {
			return "", errInvalid("the request has both Authorization and %s; send one key", header)
		}
		if n := len(r.Header.Values(header)); n > 1 {
			return "", errInvalid("the request has %d %s headers; send one", n, header)
		}
		secret := strings.TrimSpace(r.Header.Get(header))
		if secret == "" {
			return "", coffer.Errorf(coffer.EUNAUTHORIZED, "the %s header is empty; send an API key in it", header)
		}
		k, err := s.auth.key(r.Context(), secret)
		if err != nil {
			return "", err
		}
		ri := info(r.Context())
		ri.keyID, ri.role = k.ID, k.Role
		if !k.Role.Allows(need) {
			return "", coffer.Errorf(coffer.EFORBIDDEN, "a key with role %s may not do this; it needs role %s or higher", k.Role, need)
		}
		return k.ID, nil
	}
	if err := s.authorize(r, need); err != nil {
		return "", err
	}
	return info(r.Context()).keyID, nil
}
