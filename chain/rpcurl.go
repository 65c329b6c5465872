package chain

import (
	"net/url"
	"strings"
)

// masked stands for a part of an RPC URL that may hold a secret.
const masked = "xxxxx"

// MaskRPC returns an RPC URL fit to show: its scheme, host and port as they are, and masked
// the parts where a provider's key or a password may be: the user information, the path and
// the query ("https://xxxxx:xxxxx@node.example/xxxxx?xxxxx"). A URL that does not parse is
// masked whole.
func MaskRPC(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return masked
	}
	out := url.URL{Scheme: u.Scheme, Host: u.Host}
	if u.User != nil {
		if _, ok := u.User.Password(); ok {
			out.User = url.UserPassword(masked, masked)
		} else {
			out.User = url.User(masked)
		}
	}
	if u.Path != "" && u.Path != "/" {
		out.Path = "/" + masked
	} else {
		out.Path = u.Path
	}
	s := out.String()
	if u.RawQuery != "" || u.ForceQuery {
		s += "?" + masked
	}
	return s
}

// RedactRPC returns s, an error's text, with every part of the RPC URLs rpcs that MaskRPC
// masks replaced, in whatever form the text quotes it (as given, or %-escaped): a node's
// client library may quote the URL it called, keys and all.
func RedactRPC(s string, rpcs []string) string {
	for _, raw := range rpcs {
		for _, secret := range rpcSecrets(raw) {
			// Shorter strings would match by chance and garble the text more than they hide.
			if len(secret) < 3 {
				continue
			}
			for _, form := range []string{secret, url.PathEscape(secret), url.QueryEscape(secret)} {
				s = strings.ReplaceAll(s, form, masked)
			}
		}
	}
	return s
}

// rpcSecrets returns the parts of an RPC URL that MaskRPC masks; the whole of one that does
// not parse.
func rpcSecrets(raw string) []string {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return []string{raw}
	}
	var secrets []string
	if u.User != nil {
		secrets = append(secrets, u.User.Username())
		if p, ok := u.User.Password(); ok {
			secrets = append(secrets, p)
		}
	}
	if u.Path != "" && u.Path != "/" {
		secrets = append(secrets, strings.TrimPrefix(u.EscapedPath(), "/"), strings.TrimPrefix(u.Path, "/"))
	}
	if u.RawQuery != "" {
		secrets = append(secrets, u.RawQuery)
	}
	return secrets
}
