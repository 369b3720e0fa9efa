//go:build unix && !linux

package writer

import "syscall"

// syncFS flushes written files to disk before the manifest names them.
func syncFS(string) error {
	syscall.Sync()
	return nil
}
