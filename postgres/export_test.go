package postgres

// EmptyTestSchema gives the tests of package postgres_test a schema that is not yet migrated.
var EmptyTestSchema = emptyTestSchema

// SetCopyRowsMin sets the number of new rows from which s copies a table's rather than inserting
// them in Save's batch.
func SetCopyRowsMin(s *Store, n int) { s.copyRowsMin = n }

// HeadMissed returns how many write transactions of s numbered their events by numberEvents,
// having not found the chain head they expected.
func HeadMissed(s *Store) int64 { return s.guess.missed.Load() }
