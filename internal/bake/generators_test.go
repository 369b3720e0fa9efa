package bake

import (
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"
)

// TestRunGenerators: the queue runs `workers` generators at once, takes them
// in the order given, reports stages in that order, returns the first error in
// that order, and starts nothing after a failure.
func TestRunGenerators(t *testing.T) {
	// waitFor returns a generator that succeeds once ch is closed (by another
	// generator running at the same time), or fails after a while.
	waitFor := func(ch chan struct{}) func() error {
		return func() error {
			select {
			case <-ch:
				return nil
			case <-time.After(10 * time.Second):
				return errors.New("the other generator never ran beside this one")
			}
		}
	}
	t.Run("two at once", func(t *testing.T) {
		started := make(chan struct{})
		gens := []generator{
			{"a", waitFor(started)},
			{"b", func() error { close(started); return nil }},
			{"c", func() error { return nil }},
		}
		stages, err := runGenerators(gens, 2, nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, s := range stages {
			names = append(names, s.Name)
		}
		if want := []string{"a", "b", "c", "generators"}; !slices.Equal(names, want) {
			t.Errorf("stages %v, want %v", names, want)
		}
	})
	t.Run("taken in order", func(t *testing.T) {
		var mu sync.Mutex
		var order []string
		gen := func(name string) generator {
			return generator{name, func() error { mu.Lock(); order = append(order, name); mu.Unlock(); return nil }}
		}
		if _, err := runGenerators([]generator{gen("a"), gen("b"), gen("c"), gen("d")}, 1, nil, nil); err != nil {
			t.Fatal(err)
		}
		if want := []string{"a", "b", "c", "d"}; !slices.Equal(order, want) {
			t.Errorf("one worker ran %v, want %v", order, want)
		}
	})
	t.Run("first error in the order given", func(t *testing.T) {
		bFailed := make(chan struct{})
		gens := []generator{
			{"a", func() error { <-bFailed; return fmt.Errorf("a broke") }}, // fails second
			{"b", func() error { defer close(bFailed); return fmt.Errorf("b broke") }},
		}
		_, err := runGenerators(gens, 2, nil, nil)
		if err == nil || err.Error() != "a: a broke" {
			t.Errorf("error %v, want a's", err)
		}
	})
	t.Run("nothing starts after a failure", func(t *testing.T) {
		ran := false
		gens := []generator{
			{"a", func() error { return errors.New("broke") }},
			{"b", func() error { ran = true; return nil }},
		}
		if _, err := runGenerators(gens, 1, nil, nil); err == nil {
			t.Fatal("no error")
		}
		if ran {
			t.Error("b ran after a failed")
		}
	})
	t.Run("progress hears each generator once, then the total", func(t *testing.T) {
		var heard []string
		gens := []generator{{"a", func() error { return nil }}, {"b", func() error { return nil }}}
		if _, err := runGenerators(gens, 2, nil, func(name string, _ time.Duration) { heard = append(heard, name) }); err != nil {
			t.Fatal(err)
		}
		slices.Sort(heard[:2])
		if want := []string{"a", "b", "generators"}; !slices.Equal(heard, want) {
			t.Errorf("progress heard %v, want %v", heard, want)
		}
	})
}
