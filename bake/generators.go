package bake

import (
	"fmt"
	"sync"
	"time"
)

// generator is one independent stage of a bake: it reads the dataset and
// writes through the shared writer.
type generator struct {
	name string
	run  func() error
}

// runGenerators runs every generator at once and returns each one's wall time
// in the order given, then "generators", the wall time of them all together
// (less than the sum when they overlap). The generators share the writer's
// compression workers (GOMAXPROCS of them), so running them together fills the
// cores that one generator's sequential parts leave idle: on the 64k sample
// the generator stages are mostly sequential encoding with bursts of parallel
// compression.
//
// Output does not depend on the order they finish in: the writer keys every
// file by name and content and writes the manifest from sorted maps. The error
// returned is the first in the order given, not the first to happen, so it is
// the same on every run. progress (nil: quiet) hears of each generator as it
// finishes.
func runGenerators(gens []generator, progress func(string, time.Duration)) ([]Stage, error) {
	start := time.Now()
	took := make([]time.Duration, len(gens))
	errs := make([]error, len(gens))
	var mu sync.Mutex // progress is called from one goroutine at a time
	var wg sync.WaitGroup
	for i, g := range gens {
		wg.Add(1)
		go func() {
			defer wg.Done()
			t := time.Now()
			errs[i] = g.run()
			took[i] = time.Since(t)
			if progress != nil && errs[i] == nil {
				mu.Lock()
				progress(g.name, took[i])
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	all := time.Since(start)
	for i, err := range errs {
		if err != nil {
			return nil, fmt.Errorf("%s: %w", gens[i].name, err)
		}
	}
	stages := make([]Stage, 0, len(gens)+1)
	for i, g := range gens {
		stages = append(stages, Stage{Name: g.name, Seconds: took[i].Seconds()})
	}
	stages = append(stages, Stage{Name: "generators", Seconds: all.Seconds()})
	if progress != nil {
		progress("generators", all)
	}
	return stages, nil
}
