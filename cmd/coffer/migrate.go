package main

import (
	"fmt"
	"text/tabwriter"

	"github.com/spf13/cobra"
)

const migrateLong = `Apply the migrations the database lacks, then exit.

Migrations are numbered and only go forward: each is applied once, in order, in a transaction,
and recorded in the database's schema_migrations table. SQLite databases are migrated whenever
Coffer opens them; on PostgreSQL run this once per upgrade, before the new servers start (or
start one server with --migrate). A server refuses a database that lacks migrations, and one
that has a migration it does not know (an older binary on a newer database).`

func init() {
	register(func(a *app) *cobra.Command {
		cmd := &cobra.Command{Use: "migrate", Short: "apply the database migrations", Long: migrateLong, Args: noArgs}
		cfg := a.settled(cmd, databaseSettings...)
		cmd.RunE = func(cmd *cobra.Command, _ []string) error {
			store, err := openStore(cmd.Context(), cfg.Database, 0, true)
			if err != nil {
				return err
			}
			defer store.Close()
			fmt.Fprintln(a.stdout, "migrations applied to", redact(cfg.Database))
			return nil
		}
		cmd.AddCommand(migrateStatus(a))
		return cmd
	})
}

// migrateStatus is `coffer migrate status`.
func migrateStatus(a *app) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "status",
		Short: "list the migrations applied and pending, changing nothing",
		Long: `List this build's migrations, each applied (with when) or pending, and any migration the
database has that this build does not know (a newer Coffer's). It changes nothing, not even on
SQLite, and exits 0 whatever it finds; --json for scripts.`,
		Args: noArgs,
	}
	cfg := a.settled(cmd, databaseSettings...)
	asJSON := cmd.Flags().Bool("json", false, "print the list as JSON")
	cmd.RunE = func(cmd *cobra.Command, _ []string) error {
		ms, err := schemaStatus(cmd.Context(), cfg.Database)
		if err != nil {
			return err
		}
		if *asJSON {
			return printJSON(a.stdout, ms)
		}
		tw := tabwriter.NewWriter(a.stdout, 0, 0, 2, ' ', 0)
		fmt.Fprintf(tw, "database %s\n", redact(cfg.Database))
		fmt.Fprintln(tw, "VERSION\tNAME\tSTATE")
		applied, pending, unknown := 0, 0, 0
		for _, m := range ms {
			state := "pending"
			switch {
			case !m.Known:
				state = "applied " + m.AppliedAt.UTC().Format("2006-01-02 15:04:05Z") + ", unknown to this build"
				unknown++
			case m.AppliedAt != nil:
				state = "applied " + m.AppliedAt.UTC().Format("2006-01-02 15:04:05Z")
				applied++
			default:
				pending++
			}
			fmt.Fprintf(tw, "%d\t%s\t%s\n", m.Version, m.Name, state)
		}
		fmt.Fprintf(tw, "%d applied, %d pending, %d unknown to this build\n", applied, pending, unknown)
		return tw.Flush()
	}
	return cmd
}
