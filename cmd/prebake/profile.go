package main

import (
	"bytes"
	"os"
	"runtime"
	"runtime/metrics"
	"runtime/pprof"
	"time"
)

// peakEvery is how often the heap is sampled for the peak heap profile: often
// enough to catch a generator's high point, rare enough to cost nothing.
const peakEvery = 100 * time.Millisecond

// startProfiles starts a CPU profile into cpuPath and a heap watch for memPath
// (either may be ""). The build flags --cpuprofile/--memprofile (or the
// PREBAKE_CPUPROFILE/PREBAKE_MEMPROFILE environment variables) use it so the
// whole bake can be profiled with go tool pprof exactly as CI runs it.
//
// memPath receives the heap profile taken when the live heap (runtime/metrics
// /gc/heap/live:bytes, what the last GC found reachable) was highest during the
// bake: `go tool pprof -sample_index=inuse_space` shows what held memory at the
// peak, which is what peak RSS follows; alloc_space in the same file shows
// allocation over the whole run up to then.
func startProfiles(cpuPath, memPath string) (stop func() error, err error) {
	var cpu *os.File
	if cpuPath != "" {
		if cpu, err = os.Create(cpuPath); err != nil {
			return nil, err
		}
		if err = pprof.StartCPUProfile(cpu); err != nil {
			cpu.Close()
			return nil, err
		}
	}
	var done chan struct{}
	var peak chan []byte
	if memPath != "" {
		runtime.MemProfileRate = 64 << 10 // finer than the default 512 KiB: small, many objects matter here
		done, peak = make(chan struct{}), make(chan []byte, 1)
		go watchHeap(done, peak)
	}
	return func() error {
		if cpu != nil {
			pprof.StopCPUProfile()
			if err := cpu.Close(); err != nil {
				return err
			}
		}
		if memPath == "" {
			return nil
		}
		close(done)
		return os.WriteFile(memPath, <-peak, 0o644)
	}, nil
}

// watchHeap snapshots the heap profile each time the live heap reaches a new
// high, and sends the last snapshot when done closes.
func watchHeap(done <-chan struct{}, peak chan<- []byte) {
	sample := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	var high uint64
	var best bytes.Buffer
	snap := func() {
		best.Reset()
		_ = pprof.Lookup("heap").WriteTo(&best, 0)
	}
	snap()
	t := time.NewTicker(peakEvery)
	defer t.Stop()
	for {
		select {
		case <-done:
			peak <- best.Bytes()
			return
		case <-t.C:
			metrics.Read(sample)
			if v := sample[0].Value.Uint64(); v > high {
				high = v
				snap()
			}
		}
	}
}
