// Command api serves the process-group GraphQL API.
//
//	go run .                      start (local demo mode without configuration)
//	go run . set-role UID ROLE    ROLE is therapist or member: set the Firebase custom claim
//	go run . sign-out UID         sign a member out everywhere at once
//	go run . trusted-documents    print the manifest of the app's operations (see --help)
//	go run . --help               usage and every setting
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	_ "time/tzdata" // IANA time zones even on machines without them
	_ "time/tzdata" // IANA zones for groups and members, also on hosts without a zone database

	"github.com/processgroup/api/ent"
	"github.com/processgroup/api/internal/firebase/auth"
	"github.com/processgroup/api/internal/graphql/persisted"
	"github.com/processgroup/api/internal/platform/crypt"
	"github.com/processgroup/api/internal/platform/db"
	"github.com/processgroup/api/internal/platform/sealed"
	"github.com/processgroup/api/internal/server"
	"github.com/processgroup/api/internal/server/config"
	"github.com/processgroup/api/internal/service/signout"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	cmd := "serve"
	if len(args) > 0 {
		cmd = args[0]
	}
	switch cmd {
	case "-h", "--help", "help":
		usage(stdout)
		return 0
	case "new-key":
		k, err := crypt.NewKey()
		if err != nil {
			fmt.Fprintln(stderr, err)
			return 1
		}
		fmt.Fprintln(stdout, k)
		return 0
	case "trusted-documents":
		return trustedDocuments(args[1:], stdout, stderr)
	case "serve", "set-role", "reencrypt", "sign-out":
		server.TuneGC()
	default:
		fmt.Fprintf(stderr, "unknown command %q\n\n", cmd)
		usage(stderr)
		return 2
	}
	cfg, err := config.FromEnv(config.Environ)
	if err != nil {
		fmt.Fprintln(stderr, "configuration:", err)
		return 2
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	switch cmd {
	case "set-role":
		return setRole(ctx, cfg, args[1:], stdout, stderr)
	case "reencrypt":
		return reencrypt(ctx, cfg, stdout, stderr)
	case "sign-out":
		return signOut(ctx, cfg, args[1:], stdout, stderr)
	}
	log := server.NewLogger(stderr, cfg.LogLevel)
	app, err := server.New(ctx, cfg, log)
	if err != nil {
		log.Error("start failed", "error", err.Error())
		return 1
	}
	defer app.Close()
	server.PrintDemo(stdout, cfg, app.DemoUsers)
	if err := app.Run(ctx); err != nil {
		log.Error("server failed", "error", err.Error())
		return 1
	}
	log.Info("stopped")
	return 0
}

func setRole(ctx context.Context, cfg config.Config, args []string, stdout, stderr io.Writer) int {
	if len(args) != 2 || (args[1] != "therapist" && args[1] != "member") {
		fmt.Fprintln(stderr, "usage: set-role FIREBASE_UID therapist|member")
		return 2
	}
	fb, code := firebaseProject(ctx, cfg, "set-role", stderr)
	if fb == nil {
		return code
	}
	if err := fb.SetTherapist(ctx, args[0], args[1] == "therapist"); err != nil {
		fmt.Fprintln(stderr, "set-role:", err)
		return 1
	}
	fmt.Fprintf(stdout, "%s is now %s; it takes effect when their app next refreshes its ID token (within the hour).\n", args[0], args[1])
	return 0
}

// signOut signs a member out everywhere, for an operator: after disabling or deleting them
// in the Firebase console, so that every server refuses their tokens at once rather than
// when its token cache forgets them (AUTH_CACHE_TTL).
func signOut(ctx context.Context, cfg config.Config, args []string, stdout, stderr io.Writer) int {
	if len(args) != 1 {
		fmt.Fprintln(stderr, "usage: sign-out FIREBASE_UID")
		return 2
	}
	fb, code := firebaseProject(ctx, cfg, "sign-out", stderr)
	if fb == nil {
		return code
	}
	d := migratedDB(ctx, cfg, stderr)
	if d == nil {
		return 1
	}
	defer d.Close()
	found, err := signout.New(fb).Member(ctx, ent.NewClient(ent.Driver(d.Driver())), args[0])
	if err != nil {
		fmt.Fprintln(stderr, "sign-out:", err)
		return 1
	}
	if !found {
		fmt.Fprintln(stdout, "no member record for that uid; its Firebase refresh tokens are revoked")
		return 0
	}
	fmt.Fprintln(stdout, "signed out everywhere: every server refuses the tokens issued before now at their next request")
	return 0
}

// firebaseProject is the Admin SDK on the configured Firebase project, for the command cmd;
// nil, with the exit code, when there is none (demo mode) or it cannot be reached.
func firebaseProject(ctx context.Context, cfg config.Config, cmd string, stderr io.Writer) (*auth.Firebase, int) {
	if cfg.Demo {
		fmt.Fprintln(stderr, cmd+" works on a real Firebase project: set FIREBASE_PROJECT_ID (and credentials)")
		return nil, 2
	}
	fb, err := auth.New(ctx, auth.Config{
		ProjectID:       cfg.FirebaseProjectID,
		EmulatorHost:    cfg.AuthEmulatorHost,
		CredentialsFile: cfg.CredentialsFile,
	})
	if err != nil {
		fmt.Fprintln(stderr, "firebase:", err)
		return nil, 1
	}
	return fb, 0
}

// migratedDB opens the configured database with its migrations applied; nil (the error
// written to stderr) when it cannot.
func migratedDB(ctx context.Context, cfg config.Config, stderr io.Writer) *db.DB {
	d, err := db.Open(ctx, cfg.DatabaseURL)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return nil
	}
	if err := d.Migrate(ctx); err != nil {
		d.Close()
		fmt.Fprintln(stderr, err)
		return nil
	}
	return d
}

// reencrypt rewrites every encrypted value under the current (first) key.
func reencrypt(ctx context.Context, cfg config.Config, stdout, stderr io.Writer) int {
	keys, err := server.LoadKeys(cfg)
	if err != nil {
		fmt.Fprintln(stderr, "keys:", err)
		return 1
	}
	d := migratedDB(ctx, cfg, stderr)
	if d == nil {
		return 1
	}
	defer d.Close()
	n, err := sealed.Reencrypt(ctx, d.SQL, keys)
	if err != nil {
		fmt.Fprintln(stderr, "reencrypt:", err)
		return 1
	}
	fmt.Fprintf(stdout, "re-encrypted %d values under key %s\n", n, keys.CurrentID())
	return 0
}

// trustedDocuments prints the manifest of the app's operations (go generate writes
// internal/graphql/persisted/manifest.json with it).
func trustedDocuments(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("trusted-documents", flag.ContinueOnError)
	fs.SetOutput(stderr)
	format := fs.String("format", "apollo", "apollo (Apollo's persisted query manifest) or map ({hash: document})")
	dir := fs.String("dir", filepath.Join("schema", "app-operations"), "folder of the app's operations")
	out := fs.String("o", "", "write to this file instead of standard output")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	ops, err := persisted.Load(os.DirFS(*dir), ".")
	if err != nil {
		fmt.Fprintln(stderr, "trusted-documents:", err)
		return 1
	}
	m, err := persisted.NewManifest(ops)
	if err != nil {
		fmt.Fprintln(stderr, "trusted-documents:", err)
		return 1
	}
	var b []byte
	switch *format {
	case "apollo":
		b = m.Apollo()
	case "map":
		b = m.Map()
	default:
		fmt.Fprintf(stderr, "trusted-documents: -format is apollo or map, not %q\n", *format)
		return 2
	}
	if *out != "" {
		if err := os.WriteFile(*out, b, 0o644); err != nil {
			fmt.Fprintln(stderr, "trusted-documents:", err)
			return 1
		}
		return 0
	}
	_, _ = stdout.Write(b)
	return 0
}

func usage(w io.Writer) {
	fmt.Fprint(w, `api: the process-group GraphQL API.

Usage:
  api                          serve (with no configuration: local demo mode on SQLite)
  api set-role UID therapist   give a Firebase user the therapist role (custom claim)
  api set-role UID member      take it away
  api sign-out UID             sign a member out everywhere at once (after disabling them in Firebase)
  api trusted-documents [-format apollo|map] [-dir schema/app-operations] [-o FILE]
                               the app's operations as trusted documents, by SHA-256: Apollo's
                               persisted query manifest (default) or a {hash: document} map
  api --help                   this text

Endpoints: POST/GET /graphql, GraphiQL at / (not in production), /healthz, /readyz.

Settings (environment variables):
`)
	config.PrintHelp(w)
}
