// Package loader batches the per-reflection numbers of a GraphQL response (encouragement
// counts, whether the viewer encouraged) into one SQL statement per list, whatever the
// list's length.
//
// Batching is driven by hints, not by timers: when ent loads a list of reflections, an
// interceptor hints their ids to the request's loaders, and the first field that asks for
// one of them fetches the numbers of all hinted ids at once. The statement count of a list
// query therefore does not depend on scheduling.
package loader

import (
	"context"
	"sync"
)

// FetchFunc loads the values of ids. Ids missing from the result get the zero value.
type FetchFunc[V any] func(ctx context.Context, ids []int) (map[int]V, error)

// Loader caches values by id for one request and fetches hinted ids together.
type Loader[V any] struct {
	fetch   FetchFunc[V]
	mu      sync.Mutex
	pending map[int]struct{}
	done    map[int]V
}

// New returns a Loader that fetches with f.
func New[V any](f FetchFunc[V]) *Loader[V] {
	return &Loader[V]{fetch: f, pending: map[int]struct{}{}, done: map[int]V{}}
}

// Hint says that ids are likely to be loaded soon, so that they are fetched together.
func (l *Loader[V]) Hint(ids ...int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, id := range ids {
		if _, ok := l.done[id]; !ok {
			l.pending[id] = struct{}{}
		}
	}
}

// Load returns the value of id, fetching it with every hinted id not yet loaded.
// Concurrent callers wait for one fetch rather than each starting their own.
func (l *Loader[V]) Load(ctx context.Context, id int) (V, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if v, ok := l.done[id]; ok {
		return v, nil
	}
	l.pending[id] = struct{}{}
	ids := make([]int, 0, len(l.pending))
	for k := range l.pending {
		ids = append(ids, k)
	}
	got, err := l.fetch(ctx, ids)
	if err != nil {
		var zero V
		return zero, err
	}
	for _, k := range ids {
		l.done[k] = got[k]
		delete(l.pending, k)
	}
	return l.done[id], nil
}

// Forget drops every value loaded so far (and every hint): the next Load fetches again.
func (l *Loader[V]) Forget() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.pending = map[int]struct{}{}
	l.done = map[int]V{}
}
