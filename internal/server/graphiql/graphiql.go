// Package graphiql serves GraphiQL, the in-browser GraphQL IDE, entirely from files
// embedded in the binary: pinned releases of GraphiQL and React taken from npm (assets/,
// with their licences and manifest.json; assets/refresh.sh renews them) and the page that
// starts them. The page loads nothing from anywhere else, so it works offline and behind a
// clinic's firewall, and its Content-Security-Policy allows only this server.
package graphiql

import (
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"crypto/sha512"
	"embed"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"html/template"
	"io/fs"
	"net/http"
	"path"
	"strings"
	"time"
)

// files are what the page needs: the pinned packages (each with its licence) and ours.
//
//go:embed assets/manifest.json assets/graphiql assets/react assets/react-dom page.css start.js favicon.ico
var files embed.FS

//go:embed page.html
var pageHTML string

var page = template.Must(template.New("page").Parse(pageHTML))

// Prefix is the path under which the page's files are served.
const Prefix = "/graphiql/"

// scripts and styles are the page's files, in the order it loads them: React, then
// ReactDOM, then GraphiQL's UMD build (it reads the globals React and ReactDOM), then ours.
var (
	scripts = []string{"assets/react/react.production.min.js", "assets/react-dom/react-dom.production.min.js", "assets/graphiql/index.umd.js", "start.js"}
	styles  = []string{"assets/graphiql/style.css", "page.css"}
)

// Options configure the page.
type Options struct {
	// Title names the API in the browser's tab.
	Title string
	// Endpoint is the path of the GraphQL endpoint (HTTP, and graphql-transport-ws on the
	// same path for subscriptions).
	Endpoint string
	// Query is the first tab's document.
	Query string
	// Headers prefill the header editor. SECURITY: anyone who can load the page reads
	// them: only demo mode may put a token here.
	Headers map[string]string
}

// file is one embedded file, served under Prefix.
type file struct {
	data        []byte
	contentType string
	// version is the start of its SHA-256 (the ?v= of the page's links), sri its
	// subresource integrity.
	version, sri string
}

var served = func() map[string]file {
	m := map[string]file{}
	err := fs.WalkDir(files, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := files.ReadFile(p)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(data)
		s384 := sha512.Sum384(data)
		m[strings.TrimPrefix(p, "assets/")] = file{
			data:        data,
			contentType: contentType(p),
			version:     hex.EncodeToString(sum[:8]),
			sri:         "sha384-" + base64.StdEncoding.EncodeToString(s384[:]),
		}
		return nil
	})
	if err != nil {
		panic(err)
	}
	return m
}()

func contentType(p string) string {
	switch path.Ext(p) {
	case ".js":
		return "text/javascript; charset=utf-8"
	case ".css":
		return "text/css; charset=utf-8"
	case ".json":
		return "application/json"
	case ".ico":
		return "image/x-icon"
	}
	return "text/plain; charset=utf-8"
}

// Register adds GraphiQL to mux: the page at GET /, its files under GET /graphiql/ and the
// icon at GET /favicon.ico.
func Register(mux *http.ServeMux, o Options) {
	mux.Handle("GET /{$}", pageHandler(o))
	mux.Handle("GET "+Prefix, http.StripPrefix(Prefix, http.HandlerFunc(serveFile)))
	mux.HandleFunc("GET /favicon.ico", func(w http.ResponseWriter, r *http.Request) {
		f := served["favicon.ico"]
		w.Header().Set("Cache-Control", "public, max-age=86400")
		write(w, r, f)
	})
}

// link is a file of the page: its URL (with its version) and integrity.
type link struct{ URL, SRI string }

func links(names []string) []link {
	out := make([]link, len(names))
	for i, n := range names {
		n = strings.TrimPrefix(n, "assets/")
		f := served[n]
		out[i] = link{URL: Prefix + n + "?v=" + f.version, SRI: f.sri}
	}
	return out
}

// config is what start.js reads from the page.
type config struct {
	Endpoint string `json:"endpoint"`
	Query    string `json:"query,omitempty"`
	Headers  string `json:"headers,omitempty"`
	Nonce    string `json:"nonce"`
}

func pageHandler(o Options) http.Handler {
	var headers string
	if len(o.Headers) > 0 {
		b, err := json.MarshalIndent(o.Headers, "", "  ")
		if err != nil {
			panic(err) // a map of strings always marshals
		}
		headers = string(b)
	}
	scriptLinks, styleLinks := links(scripts), links(styles)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// A fresh nonce per page for the <style> elements GraphiQL's dialogs add (through
		// the global __webpack_nonce__ that start.js sets); nothing inline is allowed else.
		nonce := rand.Text()
		var buf bytes.Buffer
		err := page.Execute(&buf, map[string]any{
			"Title":   o.Title,
			"Scripts": scriptLinks,
			"Styles":  styleLinks,
			"Config":  config{Endpoint: o.Endpoint, Query: o.Query, Headers: headers, Nonce: nonce},
		})
		if err != nil {
			http.Error(w, "internal error", http.StatusInternalServerError)
			return
		}
		h := w.Header()
		h.Set("Content-Security-Policy", "default-src 'none'; script-src 'self'; style-src 'self' 'nonce-"+nonce+"'; "+
			"img-src 'self' data:; font-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'")
		// The page may carry a demo token: no cache keeps it.
		h.Set("Cache-Control", "no-store")
		h.Set("Referrer-Policy", "no-referrer")
		write(w, r, file{data: buf.Bytes(), contentType: "text/html; charset=utf-8"})
	})
}

// serveFile serves an embedded file: for a year, unchangeable, when asked for by the
// version the page links (a new binary with other files links other versions).
func serveFile(w http.ResponseWriter, r *http.Request) {
	f, ok := served[r.URL.Path]
	if !ok || r.URL.Path == "manifest.json" {
		http.NotFound(w, r)
		return
	}
	if v := r.URL.Query().Get("v"); v != "" && v == f.version {
		w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
	} else {
		w.Header().Set("Cache-Control", "no-cache")
	}
	write(w, r, f)
}

func write(w http.ResponseWriter, r *http.Request, f file) {
	h := w.Header()
	h.Set("Content-Type", f.contentType)
	h.Set("X-Content-Type-Options", "nosniff")
	if f.version != "" {
		h.Set("ETag", `"`+f.version+`"`)
	}
	http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(f.data))
}
