package main

import (
	"errors"
	"fmt"
	"strings"

	"github.com/cofferhq/coffer/httpapi"
)

// originsValue is --cors-origin, a list like the exchange settings: a repeated flag, a
// comma-separated environment variable or a YAML sequence, each item an origin
// (httpapi.CheckOrigin) or "*".
type originsValue struct{ p *[]string }

func (v originsValue) Type() string       { return "origin" }
func (v originsValue) String() string     { return strings.Join(*v.p, ",") }
func (v originsValue) GetSlice() []string { return *v.p }
func (v originsValue) Set(s string) error { return v.Append(s) }

func (v originsValue) Append(s string) error {
	s = strings.TrimSpace(s)
	if s == "" {
		return errors.New("has an empty origin")
	}
	if err := httpapi.CheckOrigin(s); err != nil {
		return fmt.Errorf("has %q, which %v", s, err)
	}
	*v.p = append(*v.p, s)
	return nil
}

func (v originsValue) Replace(items []string) error {
	*v.p = nil
	for _, s := range items {
		if err := v.Append(s); err != nil {
			return err
		}
	}
	return nil
}
