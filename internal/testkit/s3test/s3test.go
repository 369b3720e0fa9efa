// Package s3test runs a real S3 server for tests: SeaweedFS's `weed server` with
// its S3 gateway (Apache-2.0, built by scripts/setup-seaweedfs.sh into
// .cache/tools/weed), and the aws CLI (Debian's awscli) as an independent client
// to check what a test wrote. Outside CI a test is skipped when either is
// missing; in CI it fails (see internal/testkit/shareddata).
package s3test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/prebake/prebake/internal/testkit/shareddata"
)

// Credentials the server accepts (it checks SigV4 signatures against them);
// anonymous clients may read.
const (
	AccessKey = "PREBAKETESTACCESSKEY"
	SecretKey = "prebake-test-secret-key-0123456789abcdef"
	Region    = "us-east-1"
)

// Weed is the weed binary: $PREBAKE_WEED, else .cache/tools/weed.
func Weed(t testing.TB) string {
	t.Helper()
	p := os.Getenv("PREBAKE_WEED")
	if p == "" {
		p = filepath.Join(shareddata.Root(), ".cache", "tools", "weed")
	}
	if _, err := os.Stat(p); err != nil {
		shareddata.Missing(t, "SeaweedFS's weed is not built at "+p+" (run scripts/setup-seaweedfs.sh)")
	}
	return p
}

// Server is one running weed server with its S3 gateway on 127.0.0.1.
type Server struct {
	Endpoint string // http://127.0.0.1:<s3 port>
	Dir      string // its data directory, kept across Restart

	bin   string
	args  []string
	log   *os.File
	mu    sync.Mutex
	cmd   *exec.Cmd
	exitc chan struct{}
}

// Start runs a weed server in a fresh temporary directory on free ports and
// waits until it stores objects. It is killed when t ends.
func Start(t testing.TB) *Server {
	t.Helper()
	bin := Weed(t)
	AWSPath(t)
	dir := t.TempDir()
	conf := filepath.Join(dir, "s3.json")
	identities := fmt.Sprintf(`{"identities": [
  {"name": "anonymous", "actions": ["Read"]},
  {"name": "prebake", "credentials": [{"accessKey": %q, "secretKey": %q}], "actions": ["Admin", "Read", "List", "Tagging", "Write"]}
]}`, AccessKey, SecretKey)
	if err := os.WriteFile(conf, []byte(identities), 0o600); err != nil {
		t.Fatal(err)
	}
	data := filepath.Join(dir, "data")
	if err := os.Mkdir(data, 0o755); err != nil {
		t.Fatal(err)
	}
	ports := freePorts(t, 8)
	s := &Server{Endpoint: "http://127.0.0.1:" + strconv.Itoa(ports[6]), Dir: data, bin: bin}
	s.args = []string{"server", "-dir=" + data, "-ip=127.0.0.1", "-ip.bind=127.0.0.1",
		"-master.port=" + strconv.Itoa(ports[0]), "-master.port.grpc=" + strconv.Itoa(ports[1]),
		"-volume.port=" + strconv.Itoa(ports[2]), "-volume.port.grpc=" + strconv.Itoa(ports[3]),
		"-filer.port=" + strconv.Itoa(ports[4]), "-filer.port.grpc=" + strconv.Itoa(ports[5]),
		"-s3", "-s3.port=" + strconv.Itoa(ports[6]), "-s3.port.grpc=" + strconv.Itoa(ports[7]),
		"-s3.port.iceberg=0", "-s3.port.lance=0", "-s3.config=" + conf,
		"-master.volumeSizeLimitMB=64", "-volume.max=0"} // volumes as the disk allows: each bucket grows its own
	log, err := os.Create(filepath.Join(dir, "weed.log"))
	if err != nil {
		t.Fatal(err)
	}
	s.log = log
	t.Cleanup(func() {
		s.Kill()
		log.Close()
		if t.Failed() {
			t.Logf("weed log, its end:\n%s", s.LogTail(3000))
		}
	})
	s.start(t)
	return s
}

// LogTail is the last n bytes of the server's log.
func (s *Server) LogTail(n int) string {
	b, err := os.ReadFile(s.log.Name())
	if err != nil {
		return err.Error()
	}
	return string(b[max(0, len(b)-n):])
}

func (s *Server) start(t testing.TB) {
	t.Helper()
	cmd := exec.Command(s.bin, s.args...)
	cmd.Stdout, cmd.Stderr = s.log, s.log
	// Its own process group, so that Kill reaches everything it starts; and
	// SIGKILL when the test binary dies without running its cleanups (a panic,
	// -timeout, a signal, os.Exit in TestMain), which would otherwise leave the
	// server running, since a process group of its own is not killed with ours.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	started := make(chan error)
	exitc := make(chan struct{})
	go func() {
		// Linux sends the parent-death signal when the thread that started the
		// child exits, not only the process: hold this goroutine on its thread
		// until the server has exited, so that the Go runtime never retires it.
		runtime.LockOSThread()
		err := cmd.Start()
		started <- err
		if err != nil {
			return
		}
		cmd.Wait()
		close(exitc)
	}()
	if err := <-started; err != nil {
		t.Fatalf("start weed: %v", err)
	}
	s.mu.Lock()
	s.cmd, s.exitc = cmd, exitc
	s.mu.Unlock()
	s.waitReady(t, exitc)
}

// waitReady waits until a bucket can be made and an object stored in it: the
// S3 gateway answers before the master has a volume server to write to.
func (s *Server) waitReady(t testing.TB, exitc chan struct{}) {
	t.Helper()
	probe := filepath.Join(filepath.Dir(s.Dir), "probe")
	if err := os.WriteFile(probe, []byte("ready\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(90 * time.Second)
	for {
		select {
		case <-exitc:
			t.Fatalf("weed exited while starting (see its log above)")
		default:
		}
		if _, err := s.AWSErr("s3api", "create-bucket", "--bucket", "ready-probe"); err == nil || strings.Contains(err.Error(), "BucketAlreadyOwnedByYou") || strings.Contains(err.Error(), "BucketAlreadyExists") {
			if _, err := s.AWSErr("s3api", "put-object", "--bucket", "ready-probe", "--key", "probe", "--body", probe); err == nil {
				return
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("weed at %s did not become ready in 90 s", s.Endpoint)
		}
		time.Sleep(300 * time.Millisecond)
	}
}

// Kill stops the server with SIGKILL (weed can take many seconds to stop on
// SIGTERM), as a crash would, and waits for it to exit. Killing a stopped
// server does nothing.
func (s *Server) Kill() {
	s.mu.Lock()
	cmd, exitc := s.cmd, s.exitc
	s.cmd = nil
	s.mu.Unlock()
	if cmd == nil {
		return
	}
	syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
	<-exitc
}

// Restart starts the killed server again on the same directory and ports.
func (s *Server) Restart(t testing.TB) {
	t.Helper()
	s.Kill()
	s.start(t)
}

// Env is the environment a client needs to reach a Server: credentials and
// region as the usual AWS variables, and no shared config files.
func Env() []string {
	return []string{"AWS_ACCESS_KEY_ID=" + AccessKey, "AWS_SECRET_ACCESS_KEY=" + SecretKey, "AWS_REGION=" + Region,
		"AWS_DEFAULT_REGION=" + Region, "AWS_CONFIG_FILE=/dev/null", "AWS_SHARED_CREDENTIALS_FILE=/dev/null",
		"AWS_EC2_METADATA_DISABLED=true", "AWS_PAGER="}
}

// AWSPath is the aws CLI, skipping (in CI: failing) t when it is not installed.
func AWSPath(t testing.TB) string {
	t.Helper()
	return shareddata.Tool(t, "aws")
}

// AWSErr runs the aws CLI against the server and returns its standard output.
func (s *Server) AWSErr(args ...string) ([]byte, error) {
	cmd := exec.Command("aws", append([]string{"--endpoint-url", s.Endpoint, "--output", "json"}, args...)...)
	cmd.Env = append(os.Environ(), Env()...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("aws %s: %v: %s", strings.Join(args, " "), err, strings.TrimSpace(stderr.String()))
	}
	return stdout.Bytes(), nil
}

// AWS runs the aws CLI against the server; a failure fails t.
func (s *Server) AWS(t testing.TB, args ...string) []byte {
	t.Helper()
	out, err := s.AWSErr(args...)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// CreateBucket makes a bucket with the aws CLI, and waits until it stores
// objects: SeaweedFS grows a bucket's first volumes on its first writes, and
// answers 500 to writes that race the growth. The probe object is deleted again.
func (s *Server) CreateBucket(t testing.TB, bucket string) {
	t.Helper()
	s.AWS(t, "s3api", "create-bucket", "--bucket", bucket)
	probe := filepath.Join(filepath.Dir(s.Dir), "probe")
	deadline := time.Now().Add(60 * time.Second)
	for {
		_, err := s.AWSErr("s3api", "put-object", "--bucket", bucket, "--key", "probe", "--body", probe)
		if err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("bucket %s stores nothing after 60 s: %v", bucket, err)
		}
		time.Sleep(300 * time.Millisecond)
	}
	s.AWS(t, "s3api", "delete-object", "--bucket", bucket, "--key", "probe")
}

// Head is what `aws s3api head-object` says about an object.
type Head struct {
	ContentLength   int64
	ContentType     string
	ContentEncoding string
	CacheControl    string
	ETag            string
}

// HeadObject runs `aws s3api head-object`.
func (s *Server) HeadObject(t testing.TB, bucket, key string) Head {
	t.Helper()
	var h Head
	if err := json.Unmarshal(s.AWS(t, "s3api", "head-object", "--bucket", bucket, "--key", key), &h); err != nil {
		t.Fatalf("head-object %s: %v", key, err)
	}
	return h
}

// Objects lists every key under prefix with its size, with the aws CLI's
// paginating `s3api list-objects-v2`.
func (s *Server) Objects(t testing.TB, bucket, prefix string) map[string]int64 {
	t.Helper()
	var out struct {
		Contents []struct {
			Key  string
			Size int64
		}
	}
	raw := s.AWS(t, "s3api", "list-objects-v2", "--bucket", bucket, "--prefix", prefix)
	objs := map[string]int64{}
	if len(bytes.TrimSpace(raw)) == 0 {
		return objs // no objects: the CLI prints nothing
	}
	if err := json.Unmarshal(raw, &out); err != nil {
		t.Fatalf("list-objects-v2: %v", err)
	}
	for _, c := range out.Contents {
		objs[c.Key] = c.Size
	}
	return objs
}

// Get downloads an object with `aws s3 cp` (its bytes as stored).
func (s *Server) Get(t testing.TB, bucket, key string) []byte {
	t.Helper()
	return s.AWS(t, "s3", "cp", "--quiet", "s3://"+bucket+"/"+key, "-")
}

// HTTPGet fetches an object anonymously over plain HTTP with the given request
// headers, sending no Accept-Encoding unless given, and decoding nothing.
func (s *Server) HTTPGet(t testing.TB, bucket, key string, header map[string]string) (*http.Response, []byte) {
	t.Helper()
	return s.HTTP(t, http.MethodGet, bucket, key, header)
}

// HTTP sends an anonymous request (method, headers) for an object and returns
// the response with its body read.
func (s *Server) HTTP(t testing.TB, method, bucket, key string, header map[string]string) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, s.Endpoint+"/"+bucket+"/"+key, nil)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	client := &http.Client{Transport: &http.Transport{DisableCompression: true}, Timeout: 30 * time.Second}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var buf bytes.Buffer
	if _, err := buf.ReadFrom(resp.Body); err != nil {
		t.Fatal(err)
	}
	return resp, buf.Bytes()
}

// freePorts returns n distinct TCP ports free on 127.0.0.1 now, each below
// 55536: weed derives no port from them, but a 10000-offset default would
// overflow above that.
func freePorts(t testing.TB, n int) []int {
	t.Helper()
	var ports []int
	var ls []net.Listener
	defer func() {
		for _, l := range ls {
			l.Close()
		}
	}()
	for len(ports) < n {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		ls = append(ls, l)
		if p := l.Addr().(*net.TCPAddr).Port; p < 55536 {
			ports = append(ports, p)
		}
	}
	return ports
}
