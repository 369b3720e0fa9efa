package writer

import (
	"fmt"
	"os"

	"golang.org/x/sys/unix"
)

// syncFS flushes every file written under dir to disk with one syncfs(2), far
// cheaper than an fsync per tile, before the manifest that names them is renamed
// into place.
func syncFS(dir string) error {
	f, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer f.Close()
	if err := unix.Syncfs(int(f.Fd())); err != nil {
		return fmt.Errorf("syncfs %s: %w", dir, err)
	}
	return nil
}
