package httpapi

import (
	"context"
	_ "embed"
	"net/http"
	"time"

	"github.com/cofferhq/coffer"
)

// openAPIDocument describes the API. It is written by hand; a test holds it to the routes.
//
//go:embed openapi.json
var openAPIDocument []byte

// Health is the answer to GET /healthz and GET /readyz when all is well.
type Health struct {
	Status string `json:"status"`
}

// readyTimeout bounds the readiness check's database ping, so a hung database fails the probe
// instead of hanging it.
const readyTimeout = 2 * time.Second

func (s *Server) healthz(r *http.Request) (int, any, error) {
	return http.StatusOK, Health{Status: "ok"}, nil
}

func (s *Server) readyz(r *http.Request) (int, any, error) {
	ctx, cancel := context.WithTimeout(r.Context(), readyTimeout)
	defer cancel()
	if err := s.store.Ping(ctx); err != nil {
		s.log.Warn("not ready", "request_id", info(r.Context()).id, "err", err)
		return 0, nil, coffer.Errorf(coffer.EUNAVAILABLE, "the database does not answer")
	}
	return http.StatusOK, Health{Status: "ok"}, nil
}

func (s *Server) openAPI(r *http.Request) (int, any, error) {
	return http.StatusOK, openAPIDocument, nil
}
