package httpapi

import "net/http"

// Compressed is h behind the compression that ServeHTTP gives every answer, for the test of a
// handler that streams, which the API has none of yet.
func Compressed(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if cw := compressing(w, r); cw != nil {
			defer cw.finish()
			w = cw
		}
		h.ServeHTTP(w, r)
	})
}
