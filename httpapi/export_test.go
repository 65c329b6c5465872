package httpapi

import (
	"slices"

	"golang.org/x/sync/semaphore"
)

// Routes returns the server's routes, "METHOD path", with the least role each needs ("none" for
// the public ones), for the test that holds the OpenAPI document to them.
func Routes(s *Server) map[string]string {
	out := map[string]string{}
	for _, rt := range s.routes {
		role := string(rt.role)
		if role == "" {
			role = "none"
		}
		out[rt.method+" "+rt.path] = role
	}
	return out
}

// RouteQueries returns the query parameters each route takes, "METHOD path" to names, sorted.
func RouteQueries(s *Server) map[string][]string {
	out := map[string][]string{}
	for _, rt := range s.routes {
		out[rt.method+" "+rt.path] = slices.Sorted(slices.Values(rt.query))
	}
	return out
}

// StatusByCode is the status of each error code.
var StatusByCode = statusByCode

// BatchTurns is the semaphore of the batch requests in flight, for the test that holds it.
func BatchTurns(s *Server) *semaphore.Weighted { return s.batches }
