// Package realbake is the one bake of the real data that a test run shares: the
// register in ../shared (component and CMU rows), the full GB postcode table
// (Code-Point Open, postcodes-en.csv.gz) and the DNO licence areas, baked by
// `prebake build` built from the current code with SOURCE_DATE_EPOCH fixed. The
// Go test binaries of one `go test ./...` run (separate processes, run in
// parallel) and pytest (conformance/) read the same directory instead of each
// baking the real data again (issue #13 item 5: `make test` within 20 minutes).
//
// Where the bake is:
//   - $PREBAKE_REALBAKE, when set: `make test` bakes once up front
//     (`go run ./internal/testkit/realbake/cmd/realbake` prints the directory) and passes it
//     to `go test` and pytest;
//   - otherwise .cache/realbake/<key> in the repository, where key is the SHA-256
//     of the prebake executable built from the current code (go build -trimpath
//     is reproducible, so equal code gives an equal executable), of the bake's
//     arguments and of every input file's bytes. The first process that needs a
//     key bakes it holding an exclusive flock(2) on <key>.lock; the others wait
//     on that lock and reuse the bake. Every reader holds a shared lock on it
//     until it exits, and a new bake removes the directories of other keys that
//     nobody holds (code changed: their bake is stale).
//
// A finished bake is a directory holding out/ (--out), manifest.json,
// report.jsonl (--report), staticfiles.json (--django-staticfiles) and, written
// last, summary.json (the build's --json summary). Nothing writes into it after
// that: tests must treat it as read-only (copy what they need to change).
package realbake

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/prebake/prebake/internal/atomicfile"
	"github.com/prebake/prebake/internal/testkit/shareddata"
	"github.com/prebake/prebake/manifest"
)

// Env names the environment variable that points at a finished bake.
const Env = "PREBAKE_REALBAKE"

// SourceDateEpoch is the bake's fixed SOURCE_DATE_EPOCH (the Makefile's), so that
// bakes of equal code and inputs are byte-identical.
const SourceDateEpoch = "1767225600"

// The inputs, relative to the shared directory (see shareddata.Dir).
const (
	RegisterDir = "data/register"
	Postcodes   = "data/postcodes/postcodes-en.csv.gz"
	Boundaries  = "data/geo/gb_dno_boundaries.geojson"
)

// Files of a finished bake, relative to its directory.
const (
	OutName         = "out"
	ManifestName    = "manifest.json"
	ReportName      = "report.jsonl"
	StaticfilesName = "staticfiles.json"
	SummaryName     = "summary.json" // written last: its presence means finished
)

// Bake is a finished real-data bake. Read it, never write into it.
type Bake struct {
	Dir          string             // the bake's directory
	Out          string             // output directory (prebake build --out)
	ManifestPath string             // --manifest
	Manifest     *manifest.Manifest // the manifest at ManifestPath
	Report       string             // --report, JSON Lines
	Staticfiles  string             // --django-staticfiles
	Summary      []byte             // the build's --json summary (bake.Summary as JSON)
	Baked        bool               // this process baked it (false: reused)
	Seconds      float64            // wall time this process spent obtaining it
}

// Args are the `prebake build` arguments of the bake into dir, with the
// inputs below shared.
func Args(shared, dir string) []string {
	reg := filepath.Join(shared, filepath.FromSlash(RegisterDir))
	return []string{"build", "--json",
		"--source", filepath.Join(reg, "components_*.json"),
		"--source", filepath.Join(reg, "cmu_register_rows.json"),
		"--postcodes", filepath.Join(shared, filepath.FromSlash(Postcodes)),
		"--boundaries", filepath.Join(shared, filepath.FromSlash(Boundaries)),
		"--out", filepath.Join(dir, OutName),
		"--manifest", filepath.Join(dir, ManifestName),
		"--report", filepath.Join(dir, ReportName),
		"--django-staticfiles", filepath.Join(dir, StaticfilesName),
	}
}

var once struct {
	sync.Once
	b   *Bake
	err error
}

// Get returns the run's real bake, baking it when no process has yet (see the
// package comment). Without ../shared it skips t outside CI and fails it in CI
// (shareddata's rule). The bake is obtained once per process.
func Get(t testing.TB) *Bake {
	t.Helper()
	if os.Getenv(Env) == "" {
		for _, rel := range []string{RegisterDir, Postcodes, Boundaries} {
			shareddata.Path(t, rel)
		}
	}
	once.Do(func() { once.b, once.err = Obtain(os.Stderr) })
	if once.err != nil {
		t.Fatalf("the shared real bake: %v", once.err)
	}
	return once.b
}

// Obtain finds or makes the real bake for this process and holds a shared lock
// on it until the process exits. Progress notes go to log.
func Obtain(log io.Writer) (*Bake, error) {
	start := time.Now()
	if dir := os.Getenv(Env); dir != "" {
		// The bake named by the Makefile sits in the cache with its lock file:
		// hold it so that no other run removes it. Elsewhere there is none.
		if _, err := os.Stat(dir + ".lock"); err == nil {
			if _, err := holdShared(dir); err != nil {
				return nil, err
			}
		}
		b, err := open(dir)
		if err != nil {
			return nil, fmt.Errorf("%s=%s: %w", Env, dir, err)
		}
		b.Seconds = time.Since(start).Seconds()
		return b, nil
	}
	shared := shareddata.Dir()
	for _, rel := range []string{RegisterDir, Postcodes, Boundaries} {
		if _, err := os.Stat(filepath.Join(shared, filepath.FromSlash(rel))); err != nil {
			return nil, fmt.Errorf("shared data %s is absent (set PREBAKE_SHARED or check out ../shared)", filepath.Join(shared, rel))
		}
	}
	cache := filepath.Join(shareddata.Root(), ".cache", "realbake")
	exe, err := buildExecutable(cache)
	if err != nil {
		return nil, err
	}
	key, err := inputKey(exe, shared)
	if err != nil {
		return nil, err
	}
	dir := filepath.Join(cache, key[:32])
	b, err := bakeOnce(dir, exe, shared, log)
	if err != nil {
		return nil, err
	}
	b.Seconds = time.Since(start).Seconds()
	return b, nil
}

// buildExecutable builds cmd/prebake from the current code into
// cache/bin/prebake (go build relinks only when the code changed) and links it
// to cache/bin/prebake-<sha256>, a file no later build rewrites, which it
// returns. Builds are serialized by cache/bin.lock.
func buildExecutable(cache string) (string, error) {
	bin := filepath.Join(cache, "bin")
	if err := os.MkdirAll(bin, 0o755); err != nil {
		return "", err
	}
	l, err := lock(filepath.Join(cache, "bin.lock"), syscall.LOCK_EX)
	if err != nil {
		return "", err
	}
	defer l.Close()
	exe := filepath.Join(bin, "prebake")
	cmd := exec.Command("go", "build", "-trimpath", "-o", exe, "./cmd/prebake")
	cmd.Dir = shareddata.Root()
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("go build ./cmd/prebake: %v\n%s", err, out)
	}
	sum, err := fileSHA256(exe)
	if err != nil {
		return "", err
	}
	fixed := filepath.Join(bin, "prebake-"+sum[:16])
	if err := os.Link(exe, fixed); err != nil && !errors.Is(err, os.ErrExist) {
		return "", err
	}
	return fixed, nil
}

// inputKey is the SHA-256 over the executable's bytes, the bake's arguments and
// environment, and every input file's name, size and bytes.
func inputKey(exe, shared string) (string, error) {
	h := sha256.New()
	fmt.Fprintf(h, "realbake v1\nargs %q\nSOURCE_DATE_EPOCH=%s\n", Args(shared, ""), SourceDateEpoch)
	files := []string{exe}
	for _, a := range Args(shared, "") {
		if strings.HasPrefix(a, shared) {
			m, err := filepath.Glob(a)
			if err != nil {
				return "", err
			}
			sort.Strings(m)
			files = append(files, m...)
		}
	}
	for _, f := range files {
		sum, err := fileSHA256(f)
		if err != nil {
			return "", err
		}
		fmt.Fprintf(h, "%q %s\n", f, sum)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// bakeOnce returns the finished bake in dir, baking it with exe first when no
// process has. It returns holding a shared lock on dir's lock file.
func bakeOnce(dir, exe, shared string, log io.Writer) (*Bake, error) {
	for {
		l, err := holdShared(dir)
		if err != nil {
			return nil, err
		}
		if b, err := open(dir); err == nil {
			return b, nil
		}
		// Not finished: take the lock exclusively (waiting for a process that is
		// baking it), look again, and bake if still nobody has.
		if err := flock(l, syscall.LOCK_EX); err != nil {
			return nil, err
		}
		if _, err := open(dir); err != nil {
			fmt.Fprintf(log, "realbake: baking the real data into %s (shared by this test run)\n", dir)
			start := time.Now()
			if err := runBake(dir, exe, shared); err != nil {
				flock(l, syscall.LOCK_UN)
				return nil, err
			}
			fmt.Fprintf(log, "realbake: baked in %.1f s\n", time.Since(start).Seconds())
			removeStale(filepath.Dir(dir), filepath.Base(dir), filepath.Base(exe))
			if err := flock(l, syscall.LOCK_SH); err != nil {
				return nil, err
			}
			if b, err := open(dir); err == nil {
				b.Baked = true
				return b, nil
			}
		}
		flock(l, syscall.LOCK_SH) // loop: look again under the shared lock
	}
}

// runBake bakes into dir from scratch and writes summary.json last.
func runBake(dir, exe, shared string) error {
	if err := os.RemoveAll(dir); err != nil {
		return err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	cmd := exec.Command(exe, Args(shared, dir)...)
	cmd.Env = append(os.Environ(), "SOURCE_DATE_EPOCH="+SourceDateEpoch)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		msg := stderr.String()
		if len(msg) > 4000 {
			msg = "..." + msg[len(msg)-4000:]
		}
		return fmt.Errorf("prebake %s: %v\n%s", strings.Join(Args(shared, dir), " "), err, msg)
	}
	return atomicfile.Write(filepath.Join(dir, SummaryName), stdout.Bytes())
}

// open reads a finished bake.
func open(dir string) (*Bake, error) {
	summary, err := os.ReadFile(filepath.Join(dir, SummaryName))
	if err != nil {
		return nil, fmt.Errorf("no finished real bake in %s: %w", dir, err)
	}
	b := &Bake{Dir: dir, Out: filepath.Join(dir, OutName), ManifestPath: filepath.Join(dir, ManifestName),
		Report: filepath.Join(dir, ReportName), Staticfiles: filepath.Join(dir, StaticfilesName), Summary: summary}
	if b.Manifest, err = manifest.Load(b.ManifestPath); err != nil {
		return nil, err
	}
	return b, nil
}

// removeStale removes the bakes of other keys below cache that no process
// holds, and executables other than keepExe (a running one stays runnable:
// unlinking does not stop it).
func removeStale(cache, keep, keepExe string) {
	entries, _ := os.ReadDir(cache)
	for _, e := range entries {
		name := e.Name()
		if !e.IsDir() || name == keep || name == "bin" {
			continue
		}
		l, err := lock(filepath.Join(cache, name+".lock"), syscall.LOCK_EX|syscall.LOCK_NB)
		if err != nil {
			continue // held: a test is reading it, or it is being baked
		}
		os.RemoveAll(filepath.Join(cache, name))
		l.Close()
	}
	// Lock files outlive their bakes (removing one another process may have
	// just opened would let two processes bake the same key); those of bakes
	// gone for a day are no longer anyone's.
	locks, _ := filepath.Glob(filepath.Join(cache, "*.lock"))
	for _, p := range locks {
		fi, err := os.Stat(p)
		if _, derr := os.Stat(strings.TrimSuffix(p, ".lock")); err == nil && os.IsNotExist(derr) && time.Since(fi.ModTime()) > 24*time.Hour {
			os.Remove(p)
		}
	}
	bins, _ := filepath.Glob(filepath.Join(cache, "bin", "prebake-*"))
	for _, b := range bins {
		if filepath.Base(b) != keepExe {
			os.Remove(b)
		}
	}
}

// holders keeps the lock files this process holds open until it exits (the
// kernel releases a flock when its last descriptor closes).
var holders sync.Map

// holdShared takes a shared lock on dir's lock file (waiting while a process
// bakes it) and keeps it until the process exits; it returns the open file.
func holdShared(dir string) (*os.File, error) {
	p := dir + ".lock"
	if f, ok := holders.Load(p); ok {
		return f.(*os.File), nil
	}
	f, err := lock(p, syscall.LOCK_SH)
	if err != nil {
		return nil, err
	}
	holders.Store(p, f)
	return f, nil
}

func lock(path string, how int) (*os.File, error) {
	f, err := os.OpenFile(path, os.O_RDONLY|os.O_CREATE, 0o644)
	if err != nil {
		return nil, err
	}
	if err := flock(f, how); err != nil {
		f.Close()
		return nil, err
	}
	return f, nil
}

func flock(f *os.File, how int) error {
	for {
		err := syscall.Flock(int(f.Fd()), how)
		if !errors.Is(err, syscall.EINTR) {
			if err != nil {
				return fmt.Errorf("flock %s: %w", f.Name(), err)
			}
			return nil
		}
	}
}

func fileSHA256(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", fmt.Errorf("%s: %w", path, err)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// Link fills dst (created if absent) with symbolic links to the output files
// below each of prefixes (paths relative to Out, e.g. "cmu"), at the same
// relative paths, and returns dst. A generator's tests that walk their output
// directory then see that generator's files of the shared bake and no other's
// (its manifest paths resolve below dst as below Out). The links are read-only
// in spirit: the files are the shared bake's.
func (b *Bake) Link(dst string, prefixes ...string) (string, error) {
	for _, p := range prefixes {
		root := filepath.Join(b.Out, filepath.FromSlash(p))
		err := filepath.WalkDir(root, func(path string, d os.DirEntry, err error) error {
			if err != nil {
				return err
			}
			rel, err := filepath.Rel(b.Out, path)
			if err != nil {
				return err
			}
			if d.IsDir() {
				return os.MkdirAll(filepath.Join(dst, rel), 0o755)
			}
			return os.Symlink(path, filepath.Join(dst, rel))
		})
		if err != nil {
			return "", fmt.Errorf("linking the shared real bake's %s: %w", p, err)
		}
	}
	return dst, nil
}
