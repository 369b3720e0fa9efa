package daemon

import (
	"errors"
	"net"
	"strconv"
	"testing"
	"time"
)

func TestFreePortIsBindable(t *testing.T) {
	p := FreePort(t)
	l, err := net.Listen("tcp", "127.0.0.1:"+strconv.Itoa(p))
	if err != nil {
		t.Fatalf("port %d from FreePort: %v", p, err)
	}
	l.Close()
}

func TestWaitReady(t *testing.T) {
	calls := 0
	if !WaitReady(make(chan error, 1), time.Second, time.Millisecond, func() bool { calls++; return calls == 3 }) || calls != 3 {
		t.Errorf("ready on the third call: WaitReady gave up after %d calls", calls)
	}
	if WaitReady(make(chan error, 1), 20*time.Millisecond, time.Millisecond, func() bool { return false }) {
		t.Error("never ready: WaitReady said ready")
	}
	exited := make(chan error, 1)
	boom := errors.New("exit status 1")
	exited <- boom
	if WaitReady(exited, time.Second, time.Millisecond, func() bool { return true }) {
		t.Error("an exited server: WaitReady said ready")
	}
	if err := <-exited; err != boom {
		t.Errorf("the exit was not put back: %v", err)
	}
}
