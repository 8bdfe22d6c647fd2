package loader

import (
	"context"
	"errors"
	"slices"
	"sync"
	"testing"
)

// fetches is a FetchFunc that answers id*10 for every id but 0, and keeps the ids of
// each call.
type fetches struct {
	mu    sync.Mutex
	calls [][]int
	fail  error
}

func (f *fetches) fetch(_ context.Context, ids []int) (map[int]int, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	got := slices.Clone(ids)
	slices.Sort(got)
	f.calls = append(f.calls, got)
	if f.fail != nil {
		return nil, f.fail
	}
	out := map[int]int{}
	for _, id := range ids {
		if id != 0 {
			out[id] = id * 10
		}
	}
	return out, nil
}

// TestLoaderFetchesHintedTogether pins batching: the first load fetches every hinted id in
// one call, later loads of them fetch nothing, an id not hinted is fetched alone, an id
// the fetch does not answer is the zero value and is not fetched again, and hinting what
// is loaded already adds nothing.
func TestLoaderFetchesHintedTogether(t *testing.T) {
	t.Parallel()
	f := &fetches{}
	l := New(f.fetch)
	ctx := context.Background()
	l.Hint(1, 2, 3, 0)
	for _, id := range []int{2, 1, 3, 0, 2} {
		v, err := l.Load(ctx, id)
		if err != nil || v != id*10 {
			t.Fatalf("Load(%d) = %d, %v; want %d", id, v, err, id*10)
		}
	}
	l.Hint(1, 2) // loaded: not fetched again
	if v, _ := l.Load(ctx, 7); v != 70 {
		t.Fatalf("Load(7) = %d", v)
	}
	want := [][]int{{0, 1, 2, 3}, {7}}
	if !slices.EqualFunc(f.calls, want, slices.Equal[[]int]) {
		t.Fatalf("fetches %v, want %v", f.calls, want)
	}
}

// TestLoaderRetriesAfterError pins a failed fetch: the error reaches every caller, nothing
// is cached, and the next load fetches the same ids again.
func TestLoaderRetriesAfterError(t *testing.T) {
	t.Parallel()
	boom := errors.New("database gone")
	f := &fetches{fail: boom}
	l := New(f.fetch)
	l.Hint(1, 2)
	if _, err := l.Load(context.Background(), 1); !errors.Is(err, boom) {
		t.Fatalf("Load = %v, want the fetch's error", err)
	}
	f.fail = nil
	if v, err := l.Load(context.Background(), 2); err != nil || v != 20 {
		t.Fatalf("Load after the error = %d, %v", v, err)
	}
	if want := [][]int{{1, 2}, {1, 2}}; !slices.EqualFunc(f.calls, want, slices.Equal[[]int]) {
		t.Fatalf("fetches %v, want %v", f.calls, want)
	}
}

// TestLoaderConcurrentLoadsFetchOnce pins concurrent fields of one response: callers that
// load hinted ids at once wait for one fetch instead of each starting their own.
func TestLoaderConcurrentLoadsFetchOnce(t *testing.T) {
	t.Parallel()
	f := &fetches{}
	l := New(f.fetch)
	ids := make([]int, 50)
	for i := range ids {
		ids[i] = i + 1
	}
	l.Hint(ids...)
	var wg sync.WaitGroup
	for _, id := range ids {
		wg.Go(func() {
			if v, err := l.Load(context.Background(), id); err != nil || v != id*10 {
				t.Errorf("Load(%d) = %d, %v", id, v, err)
			}
		})
	}
	wg.Wait()
	if len(f.calls) != 1 || len(f.calls[0]) != 50 {
		t.Fatalf("%d fetches, want one of the 50 ids", len(f.calls))
	}
}
