package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/processgroup/api/internal/graphql/persisted"
)

// loadOperations reads the app's operations from dir (default: schema/app-operations of the
// module this command runs in) and returns, by operation name, each operation's document as
// the app sends it: the operation and every fragment it uses, directly or through another
// fragment.
func loadOperations(dir string) (map[string]string, error) {
	if dir == "" {
		root, err := moduleRoot()
		if err != nil {
			return nil, err
		}
		dir = filepath.Join(root, "schema", "app-operations")
	}
	ops, err := persisted.Load(os.DirFS(dir), ".")
	if err != nil {
		return nil, fmt.Errorf("%w (see -ops)", err)
	}
	docs := map[string]string{}
	for _, op := range ops {
		docs[op.Name] = op.Body
	}
	return docs, nil
}

// moduleRoot is the folder of the go.mod above the working directory.
func moduleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		up := filepath.Dir(dir)
		if up == dir {
			return "", errors.New("no go.mod above the working directory: run from the repository, or give -ops")
		}
		dir = up
	}
}
