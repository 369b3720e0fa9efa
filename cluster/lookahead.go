package cluster

import (
	"runtime"
	"sync/atomic"
)

// A zoom's radius queries do not depend on the clustering done so far: what an
// item's query finds is fixed by the level's tree and the radius; only what the
// clustering makes of it depends on the items before. So while clusterZoom
// works through the first part of a level, a lookahead goroutine answers the
// queries of the rest, and clusterZoom takes those answers when it gets there.
// The answers are the ones it would have computed, so the index does not
// depend on the timing or on GOMAXPROCS.
//
// A lookahead also answers the queries of items that clusterZoom will skip
// (they joined a cluster first); that costs time on the other CPU only, and a
// budget on the answers' total length keeps it from costing more than a
// bounded amount of memory when the queries find many items each.

// lookaheadMin is the fewest items of a level for which clusterZoom starts a
// lookahead: below it the level takes well under a millisecond and starting a
// goroutine costs more than it saves.
const lookaheadMin = 2048

// lookaheadBudget bounds the ids a lookahead stores: 8 times the items it
// covers, in all (one answer may take the lot). The average answer at the
// app's settings is 1 to 5 ids.
const lookaheadBudget = 8

// lookaheadSplit is the percentage of a level's items clusterZoom queries
// itself before taking a lookahead's answers: less than half, since it also
// does the clustering.
const lookaheadSplit = 45

type lookahead struct {
	start int      // the first item covered
	offs  []int32  // answer k (item start+k) is ids[offs[k]:offs[k+1]]; full length from the start
	ids   []uint32 // full length from the start: the goroutine writes elements, never the slice

	done     atomic.Int32 // answers published; the elements they cover are written before
	stop     atomic.Bool  // set to end the goroutine early
	finished chan struct{}
}

// lookaheadBuffers are a lookahead's arrays, kept from one zoom to the next
// (the goroutine of one zoom has finished before the next starts), so that a
// Load allocates them once, at the size of its biggest level.
type lookaheadBuffers struct {
	offs  []int32
	ids   []uint32
	found []uint32
}

// startLookahead answers the near query of radius r for items start..end-1
// of lv on a new goroutine, in buf's arrays. It returns nil when there are no
// such items or when one CPU is all there is.
func startLookahead(lv *level, r float64, start, end int, buf *lookaheadBuffers) *lookahead {
	if end-start <= 0 || runtime.GOMAXPROCS(0) < 2 {
		return nil
	}
	if n := end - start + 1; cap(buf.offs) < n {
		buf.offs = make([]int32, n)
	}
	if n := lookaheadBudget * (end - start); cap(buf.ids) < n {
		buf.ids = make([]uint32, n)
	}
	la := &lookahead{
		start:    start,
		offs:     buf.offs[:end-start+1],
		ids:      buf.ids[:lookaheadBudget*(end-start)],
		finished: make(chan struct{}),
	}
	go la.run(lv, r, end, buf)
	return la
}

func (la *lookahead) run(lv *level, r float64, end int, buf *lookaheadBuffers) {
	defer close(la.finished)
	found := buf.found
	defer func() { buf.found = found }()
	n := int32(0)
	for i := la.start; i < end && !la.stop.Load(); i++ {
		it := &lv.items[i]
		found = lv.tree.near(uint32(i), it.x, it.y, r, found[:0])
		if int(n)+len(found) > len(la.ids) {
			return // over budget: clusterZoom queries the rest itself
		}
		n += int32(copy(la.ids[n:], found))
		k := i - la.start
		la.offs[k+1] = n
		la.done.Store(int32(k + 1))
	}
}

// answer is the answer for item i, or false when there is none (yet): then
// the caller queries itself, and the goroutine, overtaken, is told to stop.
func (la *lookahead) answer(i int) ([]uint32, bool) {
	if la == nil || i < la.start {
		return nil, false
	}
	k := i - la.start
	if k >= int(la.done.Load()) {
		la.stop.Store(true)
		return nil, false
	}
	return la.ids[la.offs[k]:la.offs[k+1]], true
}

// close stops the goroutine and waits for it, so that it does not outlive the
// level it reads.
func (la *lookahead) close() {
	if la != nil {
		la.stop.Store(true)
		<-la.finished
	}
}
