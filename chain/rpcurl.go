package chain

import (
	"net/url"
	"strings"
)

// RedactRPC returns s, an error's text, with every part of the node URLs rpcs that RedactURL
// leaves out (the password, the path and the query, where providers put keys) replaced by "…",
// in whatever form the text quotes it: as configured, %-escaped, or within a URL that a client
// library rewrote (net/http writes the password as "***"), which a replacement of the whole URL
// would miss.
func RedactRPC(s string, rpcs []string) string {
	for _, raw := range rpcs {
		for _, secret := range rpcSecrets(raw) {
			// Shorter strings would match by chance and garble the text more than they hide.
			if len(secret) < 3 {
				continue
			}
			for _, form := range []string{secret, url.PathEscape(secret), url.QueryEscape(secret)} {
				s = strings.ReplaceAll(s, form, "…")
			}
		}
	}
	return s
}

// rpcSecrets returns the parts of a node URL that RedactURL leaves out; the whole of one that
// does not parse.
func rpcSecrets(raw string) []string {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return []string{raw}
	}
	var secrets []string
	if p, ok := u.User.Password(); ok {
		secrets = append(secrets, p)
	}
	if u.Path != "" && u.Path != "/" {
		secrets = append(secrets, strings.TrimPrefix(u.EscapedPath(), "/"), strings.TrimPrefix(u.Path, "/"))
	}
	if u.RawQuery != "" {
		secrets = append(secrets, u.RawQuery)
	}
	return secrets
}
