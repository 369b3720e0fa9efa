//go:build linux

package serve

import (
	"errors"
	"io/fs"
	"os"
	"sync/atomic"

	"golang.org/x/sys/unix"
)

// beneath opens files below the output directory with one openat2 call and
// RESOLVE_BENEATH (Linux 5.6+): the kernel refuses any path, ".." or symlink
// that resolves outside, the guarantee os.Root gives by opening every path
// component in turn (a large part of a small tile's request).
type beneath struct {
	dirfd  int
	failed atomic.Bool // openat2 unavailable (old kernel, seccomp): use os.Root
}

func openBeneath(dir string) *beneath {
	fd, err := unix.Open(dir, unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil
	}
	return &beneath{dirfd: fd}
}

func (b *beneath) close() {
	if b != nil {
		unix.Close(b.dirfd)
	}
}

// open returns the file, or ok=false when openat2 cannot be used.
func (b *beneath) open(rel string) (f *os.File, err error, ok bool) {
	if b == nil || b.failed.Load() {
		return nil, nil, false
	}
	for {
		fd, err := unix.Openat2(b.dirfd, rel, &unix.OpenHow{
			// O_NONBLOCK: the open of a FIFO returns at once (regularOnly
			// then refuses it) instead of waiting for a writer.
			Flags:   unix.O_RDONLY | unix.O_CLOEXEC | unix.O_NONBLOCK,
			Resolve: unix.RESOLVE_BENEATH | unix.RESOLVE_NO_MAGICLINKS,
		})
		switch {
		case err == nil:
			return os.NewFile(uintptr(fd), rel), nil, true
		case errors.Is(err, unix.EINTR) || errors.Is(err, unix.EAGAIN):
			continue
		case errors.Is(err, unix.ENOSYS) || errors.Is(err, unix.EPERM):
			b.failed.Store(true)
			return nil, nil, false
		case errors.Is(err, unix.EXDEV):
			// The path resolves outside the directory: as absent.
			return nil, &fs.PathError{Op: "open", Path: rel, Err: fs.ErrNotExist}, true
		default:
			return nil, &fs.PathError{Op: "open", Path: rel, Err: err}, true
		}
	}
}
