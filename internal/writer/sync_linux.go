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

// writeFile is os.WriteFile (mode 0644) that also starts the file's writeback
// (sync_file_range(2), SYNC_FILE_RANGE_WRITE: queue the dirty pages for disk,
// do not wait). The disk then writes a bake's files while the generators run,
// and the syncfs before the manifest (syncFS) waits only for what is left;
// otherwise the whole output is flushed there, at the end of every bake. It
// is a hint: durability still comes from syncFS, so its error is ignored.
func writeFile(name string, data []byte) error {
	f, err := os.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	startWriteback(f)
	return f.Close()
}

// startWriteback queues f's dirty pages for writing to disk (see writeFile).
func startWriteback(f *os.File) {
	unix.SyncFileRange(int(f.Fd()), 0, 0, unix.SYNC_FILE_RANGE_WRITE)
}
