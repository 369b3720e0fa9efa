package s3test

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// childEnv tells the test binary, run again by TestServerDiesWithTheTest, how
// to die once its server is up; childPIDFile is where it writes the server's
// process id.
const (
	childEnv     = "PREBAKE_S3TEST_CHILD"
	childPIDFile = "PREBAKE_S3TEST_CHILD_PID_FILE"
)

// TestServerDiesWithTheTest runs this test binary again with a server started,
// and ends it in each way that skips cleanups: a panic on a goroutine other than
// the test's (as -timeout's alarm does; a panic in the test itself still runs
// its cleanups, but not TestMain's, where publish's shared server is killed),
// and SIGKILL. The weed server must not outlive it.
func TestServerDiesWithTheTest(t *testing.T) {
	if mode := os.Getenv(childEnv); mode != "" {
		s := Start(t)
		os.WriteFile(os.Getenv(childPIDFile), []byte(strconv.Itoa(s.cmd.Process.Pid)), 0o644)
		switch mode {
		case "goroutine panic":
			// What -timeout does: testing's alarm panics on a goroutine of its own.
			go panic("a goroutine panics with a server running")
			time.Sleep(time.Hour)
		case "sigkill":
			time.Sleep(time.Hour) // the parent kills the process
		}
		return
	}
	Weed(t)
	AWSPath(t)
	for _, mode := range []string{"goroutine panic", "sigkill"} {
		t.Run(mode, func(t *testing.T) {
			t.Parallel()
			pidFile := filepath.Join(t.TempDir(), "pid")
			cmd := exec.Command(os.Args[0], "-test.run=^TestServerDiesWithTheTest$", "-test.timeout=120s")
			cmd.Env = append(os.Environ(), childEnv+"="+mode, childPIDFile+"="+pidFile)
			var out bytes.Buffer
			cmd.Stdout, cmd.Stderr = &out, &out
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			pid := 0
			deadline := time.Now().Add(100 * time.Second)
			for pid == 0 && time.Now().Before(deadline) {
				if b, err := os.ReadFile(pidFile); err == nil && len(b) > 0 {
					pid, _ = strconv.Atoi(string(b))
				} else {
					time.Sleep(100 * time.Millisecond)
				}
			}
			if pid == 0 {
				cmd.Process.Kill()
				cmd.Wait()
				t.Fatalf("the child started no server in 100 s:\n%s", out.String())
			}
			if mode == "sigkill" {
				time.Sleep(500 * time.Millisecond)
				cmd.Process.Kill()
			}
			if err := cmd.Wait(); err == nil {
				t.Fatalf("the child test passed; it should have died (%s):\n%s", mode, out.String())
			}
			want := map[string]string{"goroutine panic": "a goroutine panics", "sigkill": ""}[mode]
			if !strings.Contains(out.String(), want) {
				t.Errorf("the child did not die of %s:\n%s", mode, out.String())
			}
			// The kernel sends SIGKILL as the child exits; allow for the signal
			// to land (a zombie, not reaped by a container's init, counts as gone).
			for end := time.Now().Add(10 * time.Second); alive(pid); {
				if time.Now().After(end) {
					syscall.Kill(-pid, syscall.SIGKILL) // do not leave it running
					t.Fatalf("weed server %d outlived its test binary (%s)", pid, mode)
				}
				time.Sleep(50 * time.Millisecond)
			}
		})
	}
}

// alive reports whether process pid exists and is not a zombie.
func alive(pid int) bool {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return false
	}
	// The state follows the command name in parentheses: "pid (comm) S ...".
	i := bytes.LastIndexByte(b, ')')
	return i < 0 || i+2 >= len(b) || b[i+2] != 'Z'
}
