package writer

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// LockName is the lock file inside StateDir that builds and prune hold while
// they change the output directory.
const LockName = "lock"

// Lock takes the output directory's lock for what (e.g. "build", "prune"): an
// exclusive flock(2) (LockFileEx on Windows) on OutDir/.prebake/lock, so a prune cannot delete the files
// a running build has placed but not yet named in a manifest, and two builds
// cannot commit over each other. It does not wait: when another process holds
// the lock, the error names it (its pid and command line, from /proc/locks on
// Linux). The kernel drops the lock when its holder dies, so a killed build
// never leaves the directory locked. The file stays empty and is never
// rewritten, so the output tree stays byte-identical from bake to bake. Call
// the returned function to release the lock.
func Lock(outDir, what string) (release func(), err error) {
	dir := filepath.Join(outDir, StateDir)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("lock %s: %w", outDir, err)
	}
	p := filepath.Join(dir, LockName)
	f, err := os.OpenFile(p, os.O_RDONLY|os.O_CREATE, 0o644)
	if err != nil {
		return nil, fmt.Errorf("lock %s: %w", outDir, err)
	}
	if err := tryLock(f); err != nil {
		holder := lockHolder(f)
		f.Close()
		if errors.Is(err, errLocked) {
			return nil, fmt.Errorf("output directory %s is in use by %s (lock %s): build and prune exclude each other; run %s when it has finished", outDir, holder, p, what)
		}
		return nil, fmt.Errorf("lock %s: %w", p, err)
	}
	return func() {
		unlock(f)
		f.Close()
	}, nil
}

// errLocked is tryLock's error when another process holds the lock.
var errLocked = errors.New("locked by another process")
