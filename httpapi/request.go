package httpapi

import (
	"net/http"

	"github.com/cofferhq/coffer/internal/strict"
)

// decode reads the request body as exactly one JSON object into v through the strict decoder,
// with the server's body limit. An empty body is an empty object when emptyOK, else an error.
// Every error is an invalid-request sentence that says what is wrong, with the field in param.
func (s *Server) decode(r *http.Request, v any, emptyOK bool) error {
	return strict.Decode(r.Body, v, strict.Options{BytesMax: s.cfg.BodyBytesMax, EmptyOK: emptyOK})
}
