// Package daemon holds what the test kits that start a real server
// (redistest, pgtest) share: a free port to start it on, and polling until it
// answers or exits.
package daemon

import (
	"net"
	"testing"
	"time"
)

// FreePort is a TCP port free on 127.0.0.1 now. Another process may take it
// before the server binds it, so callers retry a start that fails.
func FreePort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// WaitReady calls ready every interval until it reports true (true) or
// timeout passes or the server exits (false). exited receives the server's
// exit; an exit seen here is put back for the caller to read.
func WaitReady(exited chan error, timeout, interval time.Duration, ready func() bool) bool {
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		select {
		case err := <-exited:
			exited <- err
			return false
		default:
		}
		if ready() {
			return true
		}
		time.Sleep(interval)
	}
	return false
}
