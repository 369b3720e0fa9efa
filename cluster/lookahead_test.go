package cluster

import (
	"math/rand/v2"
	"runtime"
	"slices"
	"testing"

	"github.com/paulmach/orb"
)

func testLevel(n int) *level {
	r := rand.New(rand.NewPCG(11, 4))
	items := make([]item, n)
	for i := range items {
		items[i] = item{x: int32(r.IntN(200000)), y: int32(r.IntN(200000)), num: 1, parent: -1, prop: -1}
	}
	ix := &Index[struct{}]{opts: DefaultOptions()}
	return ix.newLevel(items)
}

func twoCPUs(t *testing.T) {
	if runtime.GOMAXPROCS(0) < 2 {
		prev := runtime.GOMAXPROCS(2)
		t.Cleanup(func() { runtime.GOMAXPROCS(prev) })
	}
}

func TestLookahead(t *testing.T) {
	twoCPUs(t)
	lv := testLevel(5000)
	const start, end = 1000, 5000
	var buf lookaheadBuffers // shared by the subtests, as by a Load's zooms

	t.Run("answers are near's", func(t *testing.T) {
		la := startLookahead(lv, 3000, start, end, &buf)
		<-la.finished // let it run to the end
		if got := int(la.done.Load()); got != end-start {
			t.Fatalf("%d answers, want %d", got, end-start)
		}
		if _, ok := la.answer(start - 1); ok {
			t.Errorf("an answer for an item before the lookahead's first")
		}
		for i := start; i < end; i++ {
			it := lv.items[i]
			got, ok := la.answer(i)
			want := lv.tree.near(uint32(i), it.x, it.y, 3000, nil)
			if !ok || !slices.Equal(got, want) {
				t.Fatalf("item %d: answer %v (%v), want %v", i, got, ok, want)
			}
		}
		la.close()
	})

	t.Run("answers in reused buffers", func(t *testing.T) {
		// After a bigger lookahead left its answers in buf, a smaller one
		// (as at a lower zoom) starts from scratch.
		la := startLookahead(lv, 2000, 4000, 4500, &buf)
		<-la.finished
		for i := 4000; i < 4500; i++ {
			it := lv.items[i]
			got, ok := la.answer(i)
			if want := lv.tree.near(uint32(i), it.x, it.y, 2000, nil); !ok || !slices.Equal(got, want) {
				t.Fatalf("item %d: answer %v (%v), want %v", i, got, ok, want)
			}
		}
		la.close()
	})

	t.Run("over budget", func(t *testing.T) {
		// Every query finds every item, and the budget holds 8 ids per item
		// covered: the goroutine stops once the next answer would not fit.
		la := startLookahead(lv, 1e9, start, end, &buf)
		<-la.finished
		done := int(la.done.Load())
		if want := lookaheadBudget * (end - start) / len(lv.items); done != want {
			t.Errorf("%d answers stored, want %d", done, want)
		}
		if _, ok := la.answer(start + done); ok {
			t.Errorf("an answer past the budget")
		}
		if got, ok := la.answer(start + done - 1); !ok || len(got) != len(lv.items) {
			t.Errorf("last answer within the budget: %d ids (%v), want %d", len(got), ok, len(lv.items))
		}
		la.close()
	})

	t.Run("overtaken", func(t *testing.T) {
		la := startLookahead(lv, 1e9, start, end, &buf)
		// Asking for the last item before the goroutine can have got there
		// tells it to stop; close then returns.
		if _, ok := la.answer(end - 1); ok {
			t.Skip("the goroutine answered 4,000 whole-level queries before the first was asked for")
		}
		if !la.stop.Load() {
			t.Errorf("overtaking did not stop the lookahead")
		}
		la.close()
	})

	t.Run("one CPU", func(t *testing.T) {
		prev := runtime.GOMAXPROCS(1)
		defer runtime.GOMAXPROCS(prev)
		la := startLookahead(lv, 3000, start, end, &buf)
		if la != nil {
			t.Fatal("a lookahead with one CPU")
		}
		if _, ok := la.answer(start); ok {
			t.Errorf("a nil lookahead answered")
		}
		la.close()
	})
}

// TestLoadSameOnAnyGOMAXPROCS checks that the lookahead and the parallel tree
// build leave no trace: the index built on one CPU and on two is the same, item
// for item and aggregate for aggregate, and no goroutine outlives Load.
func TestLoadSameOnAnyGOMAXPROCS(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 8))
	pts := make([]orb.Point, 30000)
	for i := range pts {
		if i%3 == 0 && i > 0 {
			pts[i] = pts[r.IntN(i)] // a shared position
			continue
		}
		pts[i] = orb.Point{-3 + 2*r.NormFloat64(), 53 + 1.5*r.NormFloat64()}
	}
	agg := &Aggregate[float64]{Map: func(i int) float64 { return float64(i%89) * 0.29 }, Reduce: func(a *float64, c float64) { *a += c }}
	oneLeaf := DefaultOptions()
	oneLeaf.NodeSize = 10000 // a tree of one leaf for the last 9,000 points
	goroutines := runtime.NumGoroutine()
	for _, tc := range []struct {
		name string
		pts  []orb.Point
		opts Options
	}{
		{"30,000 points", pts, DefaultOptions()},
		{"9,000 points, node size 10,000", pts[:9000], oneLeaf},
	} {
		load := func(procs int) *Index[float64] {
			prev := runtime.GOMAXPROCS(procs)
			defer runtime.GOMAXPROCS(prev)
			ix, err := Load(tc.pts, tc.opts, agg)
			if err != nil {
				t.Fatal(err)
			}
			return ix
		}
		one, two := load(1), load(2)
		for z := range one.levels {
			a, b := one.levels[z], two.levels[z]
			if !slices.Equal(a.items, b.items) || !slices.Equal(a.tree.pts, b.tree.pts) {
				t.Fatalf("%s: zoom %d differs between GOMAXPROCS 1 and 2", tc.name, z)
			}
		}
		if !slices.Equal(one.aggs, two.aggs) {
			t.Errorf("%s: aggregates differ between GOMAXPROCS 1 and 2", tc.name)
		}
		if len(one.levels[tc.opts.MaxZoom].items) == len(tc.pts) {
			t.Errorf("%s: no clusters formed at the highest zoom: the test exercises nothing", tc.name)
		}
	}
	if n := runtime.NumGoroutine(); n > goroutines {
		t.Errorf("%d goroutines after the Loads, %d before", n, goroutines)
	}
}

// TestLoadPanicStopsLookahead checks that a Reduce that panics mid-level
// leaves no lookahead goroutine behind.
func TestLoadPanicStopsLookahead(t *testing.T) {
	twoCPUs(t)
	r := rand.New(rand.NewPCG(2, 2))
	pts := make([]orb.Point, 20000)
	for i := range pts {
		pts[i] = orb.Point{-2 + r.NormFloat64(), 52 + r.NormFloat64()}
	}
	goroutines := runtime.NumGoroutine()
	reduced := 0
	agg := &Aggregate[int]{Map: func(int) int { return 1 }, Reduce: func(a *int, c int) {
		if reduced++; reduced > 3000 {
			panic("reduce failed")
		}
	}}
	func() {
		defer func() {
			if p := recover(); p != "reduce failed" {
				t.Errorf("recovered %v, want the Reduce's panic", p)
			}
		}()
		Load(pts, DefaultOptions(), agg)
	}()
	if n := runtime.NumGoroutine(); n > goroutines {
		t.Errorf("%d goroutines after the panic, %d before", n, goroutines)
	}
}
