//go:build race

package hdkey

// raceEnabled reports whether the race detector is on, under which scrypt runs ten times slower.
const raceEnabled = true
