//go:build unix

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

// tryLock takes an exclusive flock(2) on f without waiting.
func tryLock(f *os.File) error {
	err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
	if errors.Is(err, syscall.EWOULDBLOCK) {
		return errLocked
	}
	return err
}

func unlock(f *os.File) { syscall.Flock(int(f.Fd()), syscall.LOCK_UN) }

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
