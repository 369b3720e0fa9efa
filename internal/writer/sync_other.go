//go:build unix && !linux

package writer

import (
	"os"
	"syscall"
)

// syncFS flushes written files to disk before the manifest names them.
func syncFS(string) error {
	syscall.Sync()
	return nil
}

// writeFile is os.WriteFile with mode 0644 (sync_linux.go says why it is not on Linux).
func writeFile(name string, data []byte) error { return os.WriteFile(name, data, 0o644) }

func startWriteback(*os.File) {}
