package main

import (
	"fmt"
	"os"

	"github.com/processgroup/api/internal/firebase/authemu"
	"github.com/processgroup/api/internal/platform/crypt"
)

// project is the Firebase project of the run: a demo- project, so that the real Admin SDK
// accepts the fake emulator's unsigned tokens.
const project = "demo-bench"

// fixture is what every process of a run shares: the fake Firebase Auth Emulator (served by
// this process; the children's Admin SDK verifies tokens against it) and the data-encryption
// key (fresh for each run).
type fixture struct {
	emu  *authemu.Emulator
	host string
	keys string
	stop func() error
}

// newFixture starts the emulator and makes a key.
func newFixture() (*fixture, error) {
	key, err := crypt.NewKey()
	if err != nil {
		return nil, err
	}
	emu := authemu.New(project)
	host, stop, err := emu.Start("127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("auth emulator: %w", err)
	}
	return &fixture{emu: emu, host: host, keys: key, stop: stop}, nil
}

// settings are the application's settings for a server on databaseURL: the run's project,
// emulator and key, no notification workers (an API-only server), rate limits too high to
// matter (the writes would otherwise be refused after a few), the default log level and
// token cache. Other settings keep their defaults.
func (f *fixture) settings(databaseURL string) map[string]string {
	return map[string]string{
		"DATABASE_URL":                databaseURL,
		"APP_ENV":                     "development",
		"FIREBASE_PROJECT_ID":         project,
		"FIREBASE_AUTH_EMULATOR_HOST": f.host,
		"ENCRYPTION_KEYS":             f.keys,
		"JOB_WORKERS":                 "0",
		"RATE_MUTATIONS_PER_MINUTE":   "1000000000",
		"RATE_ANONYMOUS_PER_MINUTE":   "1000000000",
		"LOG_LEVEL":                   "info",
		"DEMO_SEED":                   "false",
	}
}

// childEnv is the environment of a server child on databaseURL: this process's, with the
// settings on top (later entries win).
func (f *fixture) childEnv(databaseURL string) []string {
	env := os.Environ()
	for k, v := range f.settings(databaseURL) {
		env = append(env, k+"="+v)
	}
	return env
}

// getenv reads settings as config.FromEnv wants them.
func getenv(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}
