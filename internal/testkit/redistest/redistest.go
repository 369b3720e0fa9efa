// Package redistest starts a throw-away redis-server (the Debian package) for a
// test: its own free port on 127.0.0.1, its own temporary directory, no
// persistence, stopped when the test ends. Outside CI a test is skipped when
// redis-server or redis-cli is missing; in CI it fails.
package redistest

import (
	"bytes"
	"fmt"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/prebake/prebake/internal/testkit/daemon"
	"github.com/prebake/prebake/internal/testkit/shareddata"
)

// Server is a running redis-server.
type Server struct {
	Port int
	cli  string
}

// Start starts a server for t and registers its shutdown with t.Cleanup.
func Start(t testing.TB) *Server {
	t.Helper()
	server := shareddata.Tool(t, "redis-server")
	s := &Server{cli: shareddata.Tool(t, "redis-cli")}
	for attempt := 0; ; attempt++ {
		s.Port = daemon.FreePort(t)
		cmd := exec.Command(server, "--port", strconv.Itoa(s.Port), "--bind", "127.0.0.1",
			"--dir", t.TempDir(), "--save", "", "--appendonly", "no", "--daemonize", "no")
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		if err := cmd.Start(); err != nil {
			t.Fatalf("redis-server: %v", err)
		}
		exited := make(chan error, 1)
		go func() { exited <- cmd.Wait() }()
		if s.waitReady(exited) {
			t.Cleanup(func() {
				_ = cmd.Process.Kill()
				<-exited
			})
			return s
		}
		_ = cmd.Process.Kill()
		<-exited
		if attempt == 2 { // the port was taken between daemon.FreePort and the start, thrice
			t.Fatalf("redis-server did not start on port %d:\n%s", s.Port, out.String())
		}
	}
}

// waitReady polls PING for up to 10 s, giving up when the server exits.
func (s *Server) waitReady(exited chan error) bool {
	return daemon.WaitReady(exited, 10*time.Second, 20*time.Millisecond, func() bool {
		out, err := exec.Command(s.cli, "-p", strconv.Itoa(s.Port), "PING").Output()
		return err == nil && strings.TrimSpace(string(out)) == "PONG"
	})
}

// URL is the server's database db as a redis:// URL.
func (s *Server) URL(db int) string {
	return fmt.Sprintf("redis://127.0.0.1:%d/%d", s.Port, db)
}

// CLI runs redis-cli against database db with args, and stdin as its input
// when not empty, and returns what it printed. It fails t on an error.
func (s *Server) CLI(t testing.TB, db int, stdin string, args ...string) string {
	t.Helper()
	cmd := exec.Command(s.cli, append([]string{"-p", strconv.Itoa(s.Port), "-n", strconv.Itoa(db)}, args...)...)
	cmd.Stdin = strings.NewReader(stdin)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("redis-cli %s: %v\n%s", strings.Join(args, " "), err, stderr.String())
	}
	return string(out)
}

// Keys lists database db's keys with redis-cli --scan.
func (s *Server) Keys(t testing.TB, db int) []string {
	t.Helper()
	out := strings.TrimSpace(s.CLI(t, db, "", "--scan"))
	if out == "" {
		return nil
	}
	return strings.Split(out, "\n")
}

// MemoryUsage reads MEMORY USAGE of each key with redis-cli (one process,
// commands on its standard input); a key that does not exist fails t.
func (s *Server) MemoryUsage(t testing.TB, db int, keys []string) map[string]int64 {
	t.Helper()
	var in strings.Builder
	for _, k := range keys {
		fmt.Fprintf(&in, "MEMORY USAGE %s\n", strconv.Quote(k))
	}
	lines := strings.Split(strings.TrimSuffix(s.CLI(t, db, in.String()), "\n"), "\n")
	if len(keys) == 0 {
		return map[string]int64{}
	}
	if len(lines) != len(keys) {
		t.Fatalf("redis-cli answered %d lines for %d MEMORY USAGE commands", len(lines), len(keys))
	}
	out := make(map[string]int64, len(keys))
	for i, k := range keys {
		n, err := strconv.ParseInt(lines[i], 10, 64)
		if err != nil {
			t.Fatalf("MEMORY USAGE %q: redis-cli printed %q", k, lines[i])
		}
		out[k] = n
	}
	return out
}
