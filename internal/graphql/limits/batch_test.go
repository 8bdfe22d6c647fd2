package limits

import (
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestRefuseBatch(t *testing.T) {
	var reached string
	h := RefuseBatch(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, err := io.ReadAll(r.Body)
		if err != nil {
			t.Errorf("read: %v", err)
		}
		reached = string(b)
		w.WriteHeader(http.StatusTeapot)
	}))
	long := strings.Repeat(" ", 3000) + "\n\t\r" + `{"query":"{ viewer { id } }"}`
	cases := []struct {
		method, body string
		refused      bool
	}{
		{"POST", `[{"query":"{ viewer { id } }"},{"query":"{ viewer { id } }"}]`, true},
		{"POST", " \n\t\r [{}]", true},
		{"POST", "[", true},
		{"POST", `{"query":"{ viewer { id } }"}`, false},
		{"POST", long, false},
		{"POST", strings.Repeat(" ", maxPeek+10) + "[{}]", false}, // gave up looking; gqlgen refuses it
		{"POST", "", false},
		{"POST", "   ", false},
		{"GET", "[{}]", false},
	}
	for _, c := range cases {
		reached = "<not reached>"
		req := httptest.NewRequest(c.method, "/graphql", strings.NewReader(c.body))
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		name := c.body
		if len(name) > 40 {
			name = name[:40] + "..."
		}
		if c.refused {
			if rec.Code != http.StatusBadRequest || rec.Body.String() != batchRefusal {
				t.Errorf("%s %q: %d %s", c.method, name, rec.Code, rec.Body.String())
			}
			if got := rec.Header().Get("Content-Type"); got != "application/json" {
				t.Errorf("Content-Type %q", got)
			}
			if reached != "<not reached>" {
				t.Errorf("%q reached the handler", name)
			}
			continue
		}
		if rec.Code != http.StatusTeapot || reached != c.body {
			t.Errorf("%s %q: %d, handler read %d bytes of %d", c.method, name, rec.Code, len(reached), len(c.body))
		}
	}
}

func TestRefuseBatchBodyStaysBounded(t *testing.T) {
	// Inside http.MaxBytesHandler, the peek does not lift the bound.
	var readErr error
	h := http.MaxBytesHandler(RefuseBatch(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, readErr = io.ReadAll(r.Body)
	})), 100)
	req := httptest.NewRequest("POST", "/graphql", strings.NewReader(`{"query":"`+strings.Repeat("x", 1000)+`"}`))
	h.ServeHTTP(httptest.NewRecorder(), req)
	var tooLarge *http.MaxBytesError
	if readErr == nil || !asMaxBytes(readErr, &tooLarge) {
		t.Errorf("want a MaxBytesError, got %v", readErr)
	}
	req = httptest.NewRequest("POST", "/graphql", strings.NewReader(strings.Repeat(" ", 1000)))
	h.ServeHTTP(httptest.NewRecorder(), req)
	if readErr == nil || !asMaxBytes(readErr, &tooLarge) {
		t.Errorf("all-space body: want a MaxBytesError, got %v", readErr)
	}
}

func asMaxBytes(err error, target **http.MaxBytesError) bool {
	return errors.As(err, target)
}
