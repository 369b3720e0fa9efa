package writer

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
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
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		holder := lockHolder(f)
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, fmt.Errorf("output directory %s is in use by %s (lock %s): build and prune exclude each other; run %s when it has finished", outDir, holder, p, what)
		}
		return nil, fmt.Errorf("lock %s: %w", p, err)
	}
	return func() {
		syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
		f.Close()
	}, nil
}

// lockHolder names the process holding a flock on f: "pid N (command line)"
// from /proc/locks, or "another process" where that is not available.
func lockHolder(f *os.File) string {
	var st syscall.Stat_t
	if err := syscall.Fstat(int(f.Fd()), &st); err != nil {
		return "another process"
	}
	locks, err := os.ReadFile("/proc/locks")
	if err != nil {
		return "another process"
	}
	// "1: FLOCK  ADVISORY  WRITE 12345 08:01:1234567 0 EOF"
	for _, line := range strings.Split(string(locks), "\n") {
		fields := strings.Fields(line)
		if len(fields) < 6 || fields[1] != "FLOCK" {
			continue
		}
		dev := strings.Split(fields[5], ":")
		if len(dev) != 3 || dev[2] != strconv.FormatUint(st.Ino, 10) {
			continue
		}
		pid := fields[4]
		cmd, _ := os.ReadFile("/proc/" + pid + "/cmdline")
		args := strings.Fields(strings.ReplaceAll(string(cmd), "\x00", " "))
		if len(args) > 0 {
			args[0] = filepath.Base(args[0])
		}
		if len(args) > 3 {
			args = append(args[:3], "...")
		}
		return fmt.Sprintf("pid %s (%s)", pid, strings.Join(args, " "))
	}
	return "another process"
}
