package limits

import (
	"bytes"
	"errors"
	"io"
	"net/http"
)

// batchRefusal is the body RefuseBatch answers with.
const batchRefusal = `{"errors":[{"message":"batched requests are not supported","extensions":{"code":"BAD_USER_INPUT"}}]}`

// maxPeek is how much leading whitespace RefuseBatch reads before giving up looking for
// the first byte; the body then goes on untouched (gqlgen refuses a JSON array anyway).
const maxPeek = 64 << 10

// RefuseBatch answers 400 with a BAD_USER_INPUT GraphQL error to a POST whose body is a
// JSON array (first non-whitespace byte '['), the form of batched operations, which the
// API does not support. Other requests reach next with their body whole: the bytes read
// to look are put back in front of the rest.
//
// gqlgen's POST transport cannot decode an array either, but its error quotes the whole
// body; this answers before that, without echoing anything. Put it inside
// http.MaxBytesHandler so that the body it reads is bounded.
func RefuseBatch(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost || r.Body == nil || r.Body == http.NoBody {
			next.ServeHTTP(w, r)
			return
		}
		first, prefix, err := peekFirstByte(r.Body)
		if first == '[' {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusBadRequest)
			_, _ = io.WriteString(w, batchRefusal)
			return
		}
		rest := io.Reader(r.Body)
		if err != nil && !errors.Is(err, io.EOF) {
			rest = errReader{err}
		} else if errors.Is(err, io.EOF) {
			rest = bytes.NewReader(nil)
		}
		r.Body = &peekedBody{Reader: io.MultiReader(bytes.NewReader(prefix), rest), Closer: r.Body}
		next.ServeHTTP(w, r)
	})
}

// peekFirstByte reads body until its first byte that is not JSON whitespace, at most
// maxPeek bytes. It returns that byte (0 if none), every byte read, and the read error.
func peekFirstByte(body io.Reader) (byte, []byte, error) {
	var prefix []byte
	buf := make([]byte, 512)
	for len(prefix) < maxPeek {
		n, err := body.Read(buf)
		chunk := buf[:n]
		prefix = append(prefix, chunk...)
		for _, b := range chunk {
			switch b {
			case ' ', '\t', '\n', '\r':
				continue
			}
			return b, prefix, nil
		}
		if err != nil {
			return 0, prefix, err
		}
	}
	return 0, prefix, nil
}

// peekedBody is a request body with its first bytes read and put back.
type peekedBody struct {
	io.Reader
	io.Closer
}

// errReader fails every read with the error the body failed with.
type errReader struct{ err error }

func (e errReader) Read([]byte) (int, error) { return 0, e.err }
