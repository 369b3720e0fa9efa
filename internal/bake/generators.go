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

// runGenerators runs gens on `workers` goroutines at once, each taking the
// next generator in the order given when it is free, and returns each
// generator's wall time in that order, then "generators", the wall time of
// them all together (less than the sum when they overlap). The generators
// share the writer's compression workers (GOMAXPROCS of them), so running two
// at once fills the cores that one generator's sequential parts leave idle; a
// queue rather than fixed lanes keeps both busy to the end whichever
// generator grows most with the register.
//
// Output does not depend on the order they finish in: the writer keys every
// file by name and content and writes the manifest from sorted maps. The error
// returned is the first in the order given, not the first to happen, so it is
// the same on every run; after an error no further generator starts.
// started and progress (either nil: quiet) hear of each generator as it
// starts and as it finishes.
func runGenerators(gens []generator, workers int, started func(string), progress func(string, time.Duration)) ([]Stage, error) {
	start := time.Now()
	took := make([]time.Duration, len(gens))
	errs := make([]error, len(gens))
	var mu sync.Mutex // guards next and failed; progress is called under it
	next, failed := 0, false
	var wg sync.WaitGroup
	for range max(1, workers) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				mu.Lock()
				if failed || next == len(gens) {
					mu.Unlock()
					return
				}
				i := next
				next++
				if started != nil {
					started(gens[i].name)
				}
				mu.Unlock()
				t := time.Now()
				err := gens[i].run()
				d := time.Since(t)
				mu.Lock()
				took[i], errs[i] = d, err
				if err != nil {
					failed = true
				} else if progress != nil {
					progress(gens[i].name, d)
				}
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
