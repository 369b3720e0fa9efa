package main

import (
	"bytes"
	"errors"
	"io"
	"os"
	"os/exec"
	"regexp"
	"slices"
	"strings"
	"syscall"
	"testing"

	"github.com/creack/pty"
)

// bakeStages are the stages a bake of the sample (no --boundaries) reports;
// the generators run two at once and may end in any order.
var bakeStages = []string{"read sources", "load postcodes", "geocode", "postcodes", "map tiles", "cmu tables", "locations", "cmu details", "generators", "changelog", "manifest"}

// envWithout is os.Environ without the named variables.
func envWithout(names ...string) []string {
	var env []string
	for _, kv := range os.Environ() {
		keep := true
		for _, n := range names {
			if strings.HasPrefix(kv, n+"=") {
				keep = false
			}
		}
		if keep {
			env = append(env, kv)
		}
	}
	return env
}

// buildOnTerminal runs prebake build of a small sample with stderr on a
// pseudo-terminal (creack/pty) and returns what the terminal received.
func buildOnTerminal(t *testing.T, bin, dir string, env []string, args ...string) string {
	t.Helper()
	ptmx, tty, err := pty.Open()
	if err != nil {
		t.Skipf("no pseudo-terminal here: %v", err)
	}
	defer ptmx.Close()
	cmd := exec.Command(bin, args...)
	cmd.Dir, cmd.Env = dir, env
	var stdout bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, tty
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	tty.Close() // the child holds it; EOF (EIO on Linux) when the child exits
	var got bytes.Buffer
	_, err = io.Copy(&got, ptmx)
	var errno syscall.Errno
	if err != nil && !(errors.As(err, &errno) && errno == syscall.EIO) {
		t.Fatal(err)
	}
	if err := cmd.Wait(); err != nil {
		t.Fatalf("prebake build on a terminal: %v\n%s", err, got.String())
	}
	return got.String()
}

// TestBuildProgress: on a terminal, build shows the stages under way with the
// time each has taken, redrawn on one line, and a line per stage as it ends,
// and leaves no status line behind; in a log (stderr a pipe, or CI set even on
// a terminal) one plain line per stage and no control characters; --quiet and
// --json print no progress.
func TestBuildProgress(t *testing.T) {
	bin := buildBinary(t)
	dir := t.TempDir()
	run(t, dir, nil, bin, "sample", "--out", "s", "--components", "1500")
	build := func(out string, extra ...string) []string {
		return append([]string{"build", "--source", "s/synthetic_*.json", "--postcodes", "s/synthetic_postcodes.csv",
			"--out", out, "--manifest", out + "/manifest.json", "--force"}, extra...)
	}
	stageLine := regexp.MustCompile(`(?m)^  ([a-z ]+?) +\d+\.\d\ds\r?$`)
	checkLines := func(name, text string) {
		t.Helper()
		var ended []string
		for _, m := range stageLine.FindAllStringSubmatch(text, -1) {
			ended = append(ended, m[1])
		}
		if !slices.Equal(slices.Sorted(slices.Values(ended)), slices.Sorted(slices.Values(bakeStages))) {
			t.Errorf("%s: stages ended %q, want one line each for %q:\n%q", name, ended, bakeStages, text)
		}
		if ended[0] != "read sources" || ended[len(ended)-1] != "manifest" {
			t.Errorf("%s: stages in the order %q", name, ended)
		}
	}

	// a terminal: the status line names what runs, with its time so far
	term := buildOnTerminal(t, bin, dir, envWithout("CI"), build("o1")...)
	checkLines("terminal", strings.ReplaceAll(term, "\r\x1b[K", "\n"))
	status := regexp.MustCompile(`\r\x1b\[K  … ([a-z ]+ \d+\.\ds(, )?)+  \(\d+\.\ds in all\)`)
	found := status.FindAllString(term, -1)
	if len(found) < len(bakeStages)-1 { // every stage but "generators" is drawn as it starts
		t.Errorf("terminal: %d status lines, want one at least as each stage starts:\n%q", len(found), term)
	}
	for _, s := range []string{"read sources", "map tiles", "cmu tables", "manifest"} {
		if !regexp.MustCompile(`… [^\r]*` + s + ` \d+\.\ds`).MatchString(term) {
			t.Errorf("terminal: no status line names %q under way with its time:\n%q", s, term)
		}
	}
	// Which two run together depends on which finishes first (map tiles
	// sometimes ends before the postcodes, and cmu tables then starts beside
	// the postcodes): any two generators on one status line.
	gen := `(postcodes|map tiles|cmu tables|locations|cmu details)`
	if !regexp.MustCompile(`… ` + gen + ` \d+\.\ds, ` + gen + ` \d+\.\ds  \(`).MatchString(term) {
		t.Errorf("terminal: the two generators that run at once are not shown together:\n%q", term)
	}
	if last := term[strings.LastIndex(term, "\x1b[K")+3:]; strings.Contains(last, "…") {
		t.Errorf("terminal: the status line is left on screen at the end: %q", last)
	}

	// CI on a terminal, and a pipe: lines only
	ci := buildOnTerminal(t, bin, dir, append(envWithout("CI"), "CI=true"), build("o2")...)
	var pipe bytes.Buffer
	cmd := exec.Command(bin, build("o3")...)
	cmd.Dir, cmd.Env, cmd.Stderr = dir, envWithout("CI"), &pipe
	if err := cmd.Run(); err != nil {
		t.Fatalf("%v\n%s", err, pipe.String())
	}
	for name, text := range map[string]string{"CI on a terminal": ci, "a pipe": pipe.String()} {
		checkLines(name, text)
		if strings.ContainsAny(strings.ReplaceAll(text, "\r\n", "\n"), "\r\x1b…") {
			t.Errorf("%s: control characters or a status line in a log: %q", name, text)
		}
	}
	// a pseudo-terminal turns the child's "\n" into "\r\n"; the pipe has exactly the lines
	if n := strings.Count(pipe.String(), "\n"); n != len(bakeStages) {
		t.Errorf("a pipe: %d lines, want %d, one per stage:\n%s", n, len(bakeStages), pipe.String())
	}

	for _, extra := range [][]string{{"--quiet"}, {"--json"}} {
		var errb bytes.Buffer
		cmd := exec.Command(bin, build("o4", extra...)...)
		cmd.Dir, cmd.Env, cmd.Stderr = dir, envWithout("CI"), &errb
		if err := cmd.Run(); err != nil || errb.Len() != 0 {
			t.Errorf("build %s: %v, stderr %q, want nothing", extra, err, errb.String())
		}
	}
}
