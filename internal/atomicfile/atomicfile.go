// Package atomicfile replaces a file durably, for every file prebake writes
// whole under a fixed name (the manifest and its history entry, the build
// report, the last build's input key, the sample register, Django's
// staticfiles.json). Content-addressed outputs go through the writer's staging
// instead, which syncs once per bake.
package atomicfile

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"syscall"
)

// Write replaces p with data, mode 0644, creating p's directory if needed: a
// temporary file beside p is written, fsynced and renamed over p, and the
// directory is fsynced, so a reader sees the old file or the new one and a
// crash leaves one of them, never a part. On error the temporary file is
// removed and p is untouched; the error names p.
func Write(p string, data []byte) error {
	return WriteFrom(p, func(w io.Writer) error {
		_, err := w.Write(data)
		return err
	})
}

// WriteFrom is Write with the content written by write, buffered, instead of
// held whole in memory (a large file kept between bakes). An error of write's
// fails it as one of Write's does.
func WriteFrom(p string, write func(w io.Writer) error) error {
	dir := filepath.Dir(p)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	f, err := os.CreateTemp(dir, "."+filepath.Base(p)+".tmp-")
	if err != nil {
		return err
	}
	tmp := f.Name()
	fail := func(err error) error {
		f.Close()
		os.Remove(tmp)
		return fmt.Errorf("write %s: %w", p, err)
	}
	bw := bufio.NewWriterSize(f, 1<<20)
	if err := write(bw); err != nil {
		return fail(err)
	}
	if err := bw.Flush(); err != nil {
		return fail(err)
	}
	if err := f.Chmod(0o644); err != nil {
		return fail(err)
	}
	if err := f.Sync(); err != nil {
		return fail(err)
	}
	if err := f.Close(); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("write %s: %w", p, err)
	}
	if err := os.Rename(tmp, p); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("write %s: %w", p, err)
	}
	return syncDir(dir)
}

// syncDir makes a rename in dir durable. Some file systems refuse fsync on a
// directory (EINVAL); there the rename is as durable as they allow.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	if err := d.Sync(); err != nil && !errors.Is(err, syscall.EINVAL) {
		return fmt.Errorf("fsync %s: %w", dir, err)
	}
	return nil
}

// Pending is a file written beside its final place and not yet in it: Prepare
// writes it, Commit puts it in place as Write does, Discard removes it. A bake
// prepares a large file as soon as its content is known, so that the content
// need not stay in memory, and commits it only if the bake commits.
type Pending struct {
	final, tmp string
	done       bool
}

// Prepare writes the content write gives to a temporary file beside p, not
// yet synced: p is untouched until Commit. On error nothing is left behind.
func Prepare(p string, write func(w io.Writer) error) (*Pending, error) {
	dir := filepath.Dir(p)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	f, err := os.CreateTemp(dir, "."+filepath.Base(p)+".tmp-")
	if err != nil {
		return nil, err
	}
	bw := bufio.NewWriterSize(f, 1<<20)
	err = write(bw)
	if err == nil {
		err = bw.Flush()
	}
	if err == nil {
		err = f.Chmod(0o644)
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(f.Name())
		return nil, fmt.Errorf("write %s: %w", p, err)
	}
	return &Pending{final: p, tmp: f.Name()}, nil
}

// Commit syncs the prepared file, renames it over its final path and syncs the
// directory, as Write does. It is an error after Commit or Discard.
func (pf *Pending) Commit() error {
	if pf.done {
		return fmt.Errorf("write %s: already committed or discarded", pf.final)
	}
	pf.done = true
	f, err := os.OpenFile(pf.tmp, os.O_RDWR, 0)
	if err == nil {
		err = f.Sync()
		if cerr := f.Close(); err == nil {
			err = cerr
		}
	}
	if err == nil {
		err = os.Rename(pf.tmp, pf.final)
	}
	if err != nil {
		os.Remove(pf.tmp)
		return fmt.Errorf("write %s: %w", pf.final, err)
	}
	return syncDir(filepath.Dir(pf.final))
}

// Discard removes the prepared file, unless it was committed; harmless twice.
func (pf *Pending) Discard() {
	if pf == nil || pf.done {
		return
	}
	pf.done = true
	os.Remove(pf.tmp)
}
