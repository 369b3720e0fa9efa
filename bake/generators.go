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

// runGenerators runs each lane's generators one after another, all lanes at
// once, and returns each generator's wall time in the order given (lane by
// lane), then "generators", the wall time of them all together (less than the
// sum when they overlap). The generators share the writer's compression
// workers (GOMAXPROCS of them), so running lanes together fills the cores that
// one generator's sequential parts leave idle.
//
// Output does not depend on the order they finish in: the writer keys every
// file by name and content and writes the manifest from sorted maps. The error
// returned is the first in the order given, not the first to happen, so it is
// the same on every run. progress (nil: quiet) hears of each generator as it
// finishes.
func runGenerators(lanes [][]generator, progress func(string, time.Duration)) ([]Stage, error) {
	start := time.Now()
	var gens []generator
	for _, l := range lanes {
		gens = append(gens, l...)
	}
	took := make([]time.Duration, len(gens))
	errs := make([]error, len(gens))
	var mu sync.Mutex // progress is called from one goroutine at a time
	var wg sync.WaitGroup
	first := 0
	for _, lane := range lanes {
		wg.Add(1)
		go func(first int, lane []generator) {
			defer wg.Done()
			for k, g := range lane {
				i := first + k
				t := time.Now()
				errs[i] = g.run()
				took[i] = time.Since(t)
				if errs[i] != nil {
					return // the lane stops; the bake fails
				}
				if progress != nil {
					mu.Lock()
					progress(g.name, took[i])
					mu.Unlock()
				}
			}
		}(first, lane)
		first += len(lane)
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
