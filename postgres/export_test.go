package postgres

// EmptyTestSchema gives the tests of package postgres_test a schema that is not yet migrated.
var EmptyTestSchema = emptyTestSchema
