//go:build !linux

package serve

import "os"

// beneath is Linux's openat2 fast path; elsewhere os.Root does the work.
type beneath struct{}

func openBeneath(string) *beneath                      { return nil }
func (b *beneath) close()                              {}
func (b *beneath) open(string) (*os.File, error, bool) { return nil, nil, false }
