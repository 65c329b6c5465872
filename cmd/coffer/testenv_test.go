package main

import "os"

// postgresConfigured reports whether the PostgreSQL suites are switched on.
func postgresConfigured() bool { return os.Getenv("COFFER_TEST_POSTGRES") != "" }
