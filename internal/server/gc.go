package server

import (
	"os"
	"runtime/debug"
)

// DefaultGCPercent is the garbage collector's target of this server when the environment
// does not set GOGC: a new cycle when the heap has grown to five times what the last one
// kept. The server keeps little between requests (tens of megabytes) and allocates a lot
// within each (a GraphQL answer is built from many small values): at Go's default (100) the
// collector took about a seventh of its CPU, and at 400 the server spent 14% less CPU on a
// group's feed (go run ./internal/bench), for a few hundred megabytes more at peak. Set GOGC
// (or GOMEMLIMIT) to choose otherwise.
const DefaultGCPercent = 400

// TuneGC sets the garbage collector's target to DefaultGCPercent unless GOGC is set.
func TuneGC() {
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(DefaultGCPercent)
	}
}
