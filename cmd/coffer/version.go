package main

import (
	"fmt"
	"runtime"
	"runtime/debug"

	"github.com/spf13/cobra"
)

func init() {
	register(func(a *app) *cobra.Command {
		return &cobra.Command{
			Use:   "version",
			Short: "print the version, the commit it was built from and the Go it was built with",
			Long: `Print the module version, the commit it was built from and the Go it was built with.

The version is what Go stamped into the binary: a release tag such as v0.3.0, a pseudo-version
(v0.0.0-<time>-<commit>) for a commit between tags, or "(devel)" when built from a checkout
without version control information (go build -buildvcs=false, or go run).`,
			Args: noArgs,
			RunE: func(cmd *cobra.Command, _ []string) error {
				_, err := fmt.Fprintln(a.stdout, versionLine())
				return err
			},
		}
	})
}

// versionLine describes this build: module version, commit and its time, and Go's version.
func versionLine() string {
	version, commit, when, modified := "(devel)", "", "", false
	if bi, ok := debug.ReadBuildInfo(); ok {
		if v := bi.Main.Version; v != "" {
			version = v
		}
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				commit = s.Value
			case "vcs.time":
				when = s.Value
			case "vcs.modified":
				modified = s.Value == "true"
			}
		}
	}
	line := "coffer " + version
	switch {
	case commit == "":
		line += ", commit unknown (built without version control information)"
	default:
		line += ", commit " + commit
		if when != "" {
			line += " of " + when
		}
		if modified {
			line += " with local changes"
		}
	}
	return line + ", " + runtime.Version()
}
