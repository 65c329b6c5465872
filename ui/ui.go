// Package ui is the operator's dashboard: a single-page application built from web/ (make ui)
// into dist/, embedded in the binary and served at /ui/ by coffer serve. The page talks only
// to the /v1 API, with the API key the operator signs in with; the handler serves files and
// nothing else, so every figure the dashboard shows passes the API's role checks.
package ui

import (
	"embed"
	"io/fs"
	"net/http"
	"path"
	"strings"
)

// Prefix is the path the dashboard is served under.
const Prefix = "/ui/"

//go:embed dist
var dist embed.FS

// contentSecurityPolicy lets the page load only its own files and call only its own origin:
// no inline script, no other site, no frames.
const contentSecurityPolicy = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
	"connect-src 'self'; font-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

// Handler serves the dashboard's files under Prefix: /ui/ is the page, /ui/assets/... its
// script and styles. Another path under Prefix, or a method other than GET and HEAD, is 404
// or 405.
func Handler() http.Handler {
	files, err := fs.Sub(dist, "dist")
	if err != nil {
		panic(err) // the embedded tree always has dist
	}
	server := http.FileServerFS(files)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		name := strings.TrimPrefix(path.Clean(r.URL.Path), strings.TrimSuffix(Prefix, "/"))
		h := w.Header()
		h.Set("Content-Security-Policy", contentSecurityPolicy)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "no-referrer")
		// The assets keep their names from build to build, so a browser revalidates them
		// rather than keeping them: a new binary's page is seen at once.
		h.Set("Cache-Control", "no-cache")
		if name == "" || name == "/" || name == "/index.html" {
			http.ServeFileFS(w, r, files, "index.html")
			return
		}
		if _, err := fs.Stat(files, strings.TrimPrefix(name, "/")); err != nil {
			http.NotFound(w, r)
			return
		}
		r2 := r.Clone(r.Context())
		r2.URL.Path = name
		server.ServeHTTP(w, r2)
	})
}
