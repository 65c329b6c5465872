// Package gethtest holds the tests of Coffer's chain side against a real node: `geth --dev`
// started by internal/gethdev, the watcher reading it through chain/node and crediting through
// chain/credit into the real ledger, as coffer serve runs them. It has no code of its own.
package gethtest
