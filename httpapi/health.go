package httpapi

import (
	"context"
	_ "embed"
	"net/http"
	"time"

	"github.com/cofferhq/coffer"
	"github.com/cofferhq/coffer/client"
)

// openAPIDocument describes the API. It is written by hand; a test holds it to the routes.
//
//go:embed openapi.json
var openAPIDocument []byte

// readyTimeout bounds the readiness check's database ping, so a hung database fails the probe
// instead of hanging it.
const readyTimeout = 2 * time.Second

func (s *Server) healthz(r *http.Request) (int, any, error) {
	return http.StatusOK, client.Health{Status: "ok"}, nil
}

func (s *Server) readyz(r *http.Request) (int, any, error) {
	ctx, cancel := context.WithTimeout(r.Context(), readyTimeout)
	defer cancel()
	if err := s.store.Ping(ctx); err != nil {
		s.log.Warn("not ready", "request_id", info(r.Context()).id, "err", err)
		return 0, nil, coffer.Errorf(coffer.EUNAVAILABLE, "the database does not answer")
	}
	return http.StatusOK, client.Health{Status: "ok"}, nil
}

func (s *Server) openAPI(r *http.Request) (int, any, error) {
	return http.StatusOK, openAPIDocument, nil
}
