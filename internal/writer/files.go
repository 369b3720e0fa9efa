package writer

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// StateDir is the directory inside the output directory where prebake keeps its
// own state: staging directories and the history of committed manifests. It is
// never named by a manifest, so CI does not upload it.
const StateDir = ".prebake"

func stagingRoot(outDir string) string { return filepath.Join(outDir, StateDir, "tmp") }

// HistoryDir is where Commit keeps a copy of every manifest it writes, named
// "<seq>-<created>-<build_id>.json" (HistoryName); prune keeps the files the
// newest of them, in commit order, name.
func HistoryDir(outDir string) string { return filepath.Join(outDir, StateDir, "manifests") }

// newStaging makes a private staging directory for this process. Its name starts
// with the pid so that a later run can tell a dead build's leftovers from a
// running build's work.
func newStaging(outDir string) (string, error) {
	root := stagingRoot(outDir)
	if err := os.MkdirAll(root, 0o755); err != nil {
		return "", err
	}
	var b [6]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", err
	}
	return os.MkdirTemp(root, strconv.Itoa(os.Getpid())+"-"+hex.EncodeToString(b[:])+"-")
}

// removeDeadStaging deletes staging directories left by builds that died: those
// whose pid no longer runs.
func removeDeadStaging(outDir string) error {
	entries, err := os.ReadDir(stagingRoot(outDir))
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	for _, e := range entries {
		pid, err := strconv.Atoi(strings.SplitN(e.Name(), "-", 2)[0])
		if err != nil || pid == os.Getpid() || processAlive(pid) {
			continue
		}
		if err := os.RemoveAll(filepath.Join(stagingRoot(outDir), e.Name())); err != nil {
			return err
		}
	}
	return nil
}

// sameContent reports whether the file at p holds exactly data.
func sameContent(p string, data []byte) bool {
	fi, err := os.Stat(p)
	if err != nil || !fi.Mode().IsRegular() || fi.Size() != int64(len(data)) {
		return false
	}
	got, err := os.ReadFile(p)
	return err == nil && bytes.Equal(got, data)
}

// placeFile puts data at final unless it is already there: written under a
// temporary name in stage, then renamed, so final is either absent, the old
// file or the whole new one. It reports whether it wrote.
func placeFile(stage, final string, data []byte) (bool, error) {
	if sameContent(final, data) {
		return false, nil
	}
	if err := os.MkdirAll(filepath.Dir(final), 0o755); err != nil {
		return false, err
	}
	f, err := os.CreateTemp(stage, "f-")
	if err != nil {
		return false, err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		os.Remove(f.Name())
		return false, fmt.Errorf("write %s: %w", final, err)
	}
	startWriteback(f)
	if err := f.Close(); err != nil {
		os.Remove(f.Name())
		return false, err
	}
	if err := os.Chmod(f.Name(), 0o644); err != nil {
		return false, err
	}
	if err := os.Rename(f.Name(), final); err != nil {
		os.Remove(f.Name())
		return false, err
	}
	return true, nil
}
