package writer

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
)

// LockName is the lock file inside StateDir that builds and prune hold while
// they change the output directory.
const LockName = "lock"

// Lock takes the output directory's lock for what (e.g. "build", "prune"): an
// exclusive flock(2) on OutDir/.prebake/lock, so a prune cannot delete the files
// a running build has placed but not yet named in a manifest, and two builds
// cannot commit over each other. It does not wait: when another process holds
// the lock, the error names it. The kernel drops the lock when its holder dies,
// so a killed build never leaves the directory locked. Call the returned
// function to release it.
func Lock(outDir, what string) (release func(), err error) {
	dir := filepath.Join(outDir, StateDir)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("lock %s: %w", outDir, err)
	}
	p := filepath.Join(dir, LockName)
	f, err := os.OpenFile(p, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, fmt.Errorf("lock %s: %w", outDir, err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		holder, _ := os.ReadFile(p)
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			h := strings.TrimSpace(string(holder))
			if h == "" {
				h = "another process"
			}
			return nil, fmt.Errorf("output directory %s is in use by %s (lock %s): build and prune exclude each other; run %s when it has finished", outDir, h, p, what)
		}
		return nil, fmt.Errorf("lock %s: %w", p, err)
	}
	// Who holds it, for the error another process prints; advisory only.
	f.Truncate(0)
	f.WriteAt([]byte(fmt.Sprintf("prebake %s (pid %d)\n", what, os.Getpid())), 0)
	return func() {
		syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
		f.Close()
	}, nil
}
