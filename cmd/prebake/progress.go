package main

import (
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
	"sync"
	"time"

	"golang.org/x/term"
)

// isTerminal is true when f is an interactive terminal outside CI. A CI
// runner that gives the job a pseudo-terminal still wants a log, not a line
// redrawn in place, so CI (set by GitHub Actions, GitLab, Heroku's CI and most
// others) overrides the device.
func isTerminal(f *os.File) bool {
	if os.Getenv("CI") != "" {
		return false
	}
	return term.IsTerminal(int(f.Fd()))
}

// showProgress is true when stderr is an interactive terminal (isTerminal):
// long work redraws a progress line there and stays quiet in logs.
func showProgress() bool { return isTerminal(os.Stderr) }

// stageProgress shows a bake's stages on w. On a terminal (live) one status
// line, redrawn five times a second, names the stages under way with the time
// each has taken so far and the bake's total; each stage that ends is printed
// above it as a line of its own. Elsewhere (CI, a pipe, a file) only those
// lines are printed, one per stage as it ends, so a log says what ran and how
// long it took without control characters.
type stageProgress struct {
	w     io.Writer
	live  bool
	start time.Time
	now   func() time.Time // time.Now; a test may fix it

	mu      sync.Mutex
	running map[string]time.Time // stage -> when it started
	drawn   bool                 // a status line is on screen (live only)
	stop    chan struct{}
	stopped chan struct{}
}

func newStageProgress(w io.Writer, live bool) *stageProgress {
	p := &stageProgress{w: w, live: live, start: time.Now(), now: time.Now, running: map[string]time.Time{}}
	if live {
		p.stop, p.stopped = make(chan struct{}), make(chan struct{})
		go p.tick()
	}
	return p
}

func (p *stageProgress) tick() {
	defer close(p.stopped)
	t := time.NewTicker(200 * time.Millisecond)
	defer t.Stop()
	for {
		select {
		case <-p.stop:
			return
		case <-t.C:
			p.mu.Lock()
			p.draw()
			p.mu.Unlock()
		}
	}
}

// started is bake.Config.StageStarted.
func (p *stageProgress) started(stage string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.running[stage] = p.now()
	if p.live {
		p.draw()
	}
}

// ended is bake.Config.Progress.
func (p *stageProgress) ended(stage string, d time.Duration) {
	p.mu.Lock()
	defer p.mu.Unlock()
	delete(p.running, stage)
	p.clear()
	fmt.Fprintf(p.w, "  %-16s %6.2fs\n", stage, d.Seconds())
	if p.live {
		p.draw()
	}
}

// close stops the redrawing and removes the status line; safe on nil.
func (p *stageProgress) close() {
	if p == nil {
		return
	}
	if p.live {
		close(p.stop)
		<-p.stopped
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.clear()
}

// draw rewrites the status line in place ("\r" and erase-line, which every
// terminal emulator in use understands); called with mu held.
func (p *stageProgress) draw() {
	if len(p.running) == 0 {
		p.clear()
		return
	}
	now := p.now()
	names := make([]string, 0, len(p.running))
	for s := range p.running {
		names = append(names, s)
	}
	sort.Slice(names, func(i, j int) bool { return p.running[names[i]].Before(p.running[names[j]]) })
	parts := make([]string, len(names))
	for i, s := range names {
		parts[i] = fmt.Sprintf("%s %.1fs", s, now.Sub(p.running[s]).Seconds())
	}
	fmt.Fprintf(p.w, "\r\x1b[K  … %s  (%.1fs in all)", strings.Join(parts, ", "), now.Sub(p.start).Seconds())
	p.drawn = true
}

func (p *stageProgress) clear() {
	if p.drawn {
		fmt.Fprint(p.w, "\r\x1b[K")
		p.drawn = false
	}
}
