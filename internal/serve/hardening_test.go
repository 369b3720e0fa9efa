package serve

import (
	"bufio"
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// mkfifo makes a FIFO at p (its directory too); nothing ever writes to it, so
// a reader that opens it without O_NONBLOCK waits for ever.
func mkfifo(t *testing.T, p string) {
	t.Helper()
	os.MkdirAll(filepath.Dir(p), 0o755)
	if err := syscall.Mkfifo(p, 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestNonRegularFilesNeverHang: a FIFO in the output directory, in place of a
// variant, of a file the report reads, or given as the manifest or the report
// is refused at once (issue 24: its request used to hang), with 404 (or the
// next representation), and every other request is still served.
func TestNonRegularFilesNeverHang(t *testing.T) {
	fixture(t)
	jsonAsset, _, _, _ := fixtureFiles(t)
	dir := t.TempDir()
	out := filepath.Join(dir, "output")
	// The JSON asset as it is, its br variant a FIFO; the statistics a FIFO.
	os.MkdirAll(filepath.Join(out, filepath.Dir(jsonAsset)), 0o755)
	if err := os.WriteFile(filepath.Join(out, jsonAsset), readOut(t, jsonAsset), 0o644); err != nil {
		t.Fatal(err)
	}
	mkfifo(t, filepath.Join(out, jsonAsset+".br"))
	mkfifo(t, filepath.Join(out, "pipe.json"))
	mkfifo(t, filepath.Join(out, "cmu", "app.0123456789abcdef0123.js"))
	report := filepath.Join(dir, "report-fifo.jsonl")
	mkfifo(t, report)
	s, err := New(Options{OutDir: out, ManifestPath: fx.manifest, ReportPath: report})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ts := httptest.NewServer(s)
	defer ts.Close()
	client := &http.Client{Timeout: 10 * time.Second}
	for _, tc := range []struct {
		path, acceptEncoding string
		status               int
		encoding             string
	}{
		{"/pipe.json", "", 404, ""},
		{"/cmu/app.0123456789abcdef0123.js", "", 404, ""},
		{"/" + jsonAsset, "br", 200, ""}, // the br variant is a FIFO: the original
		{"/" + jsonAsset + ".br", "", 404, ""},
		{"/" + jsonAsset, "", 200, ""},
		{"/_prebake/report.json", "", 200, ""},
		{"/manifest.json", "", 200, ""},
	} {
		req, _ := http.NewRequest("GET", ts.URL+tc.path, nil)
		if tc.acceptEncoding != "" {
			req.Header.Set("Accept-Encoding", tc.acceptEncoding)
		}
		start := time.Now()
		res, err := client.Do(req)
		if err != nil {
			t.Errorf("%s: %v after %s", tc.path, err, time.Since(start))
			continue
		}
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != tc.status || res.Header.Get("Content-Encoding") != tc.encoding {
			t.Errorf("%s: %d, Content-Encoding %q; want %d, %q", tc.path, res.StatusCode, res.Header.Get("Content-Encoding"), tc.status, tc.encoding)
		}
		if tc.path == "/_prebake/report.json" {
			var r Report
			json.Unmarshal(body, &r)
			notes := strings.Join(r.Notes, "\n")
			if !strings.Contains(notes, "not a regular file") || r.ReportFile != "" {
				t.Errorf("report with a FIFO as report and statistics: notes %q, report file %q", notes, r.ReportFile)
			}
		}
	}
	// curl, a client of its own, gets its answer too.
	if curl, err := exec.LookPath("curl"); err == nil {
		out, err := exec.Command(curl, "-sS", "--max-time", "10", "-o", "/dev/null", "-w", "%{http_code}", ts.URL+"/pipe.json").CombinedOutput()
		if err != nil || string(out) != "404" {
			t.Errorf("curl /pipe.json: %v %s", err, out)
		}
	}
	// The statistics the report reads a FIFO, in another output directory.
	out2 := filepath.Join(dir, "output2")
	mkfifo(t, filepath.Join(out2, jsonAsset))
	s2, err := New(Options{OutDir: out2, ManifestPath: fx.manifest})
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	ts2 := httptest.NewServer(s2)
	defer ts2.Close()
	for _, p := range []string{"/" + jsonAsset, "/_prebake/report.json", "/_prebake/report"} {
		res, err := client.Get(ts2.URL + p)
		if err != nil {
			t.Errorf("%s with the statistics a FIFO: %v", p, err)
			continue
		}
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if want := map[bool]int{true: 404, false: 200}[p == "/"+jsonAsset]; res.StatusCode != want {
			t.Errorf("%s with the statistics a FIFO: %d, want %d", p, res.StatusCode, want)
		}
		if p == "/_prebake/report.json" && !strings.Contains(string(body), "not a regular file") {
			t.Errorf("the report does not say the statistics are not a regular file: %.300s", body)
		}
	}
	// A FIFO as the manifest: New fails at once, naming it.
	mf := filepath.Join(dir, "manifest-fifo.json")
	mkfifo(t, mf)
	done := make(chan error, 1)
	go func() {
		s, err := New(Options{OutDir: out, ManifestPath: mf})
		if err == nil {
			s.Close()
		}
		done <- err
	}()
	select {
	case err := <-done:
		if err == nil || !strings.Contains(err.Error(), "not a regular file") || !strings.Contains(err.Error(), mf) {
			t.Errorf("a FIFO as manifest: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Error("New hangs on a FIFO as manifest")
	}
}

// TestReportOfAnotherBuild: the report page lists rejected rows only from a
// report of the manifest's build (issue 24): a report left by another build,
// or a failed build's (no build id), is named in a note, not shown.
func TestReportOfAnotherBuild(t *testing.T) {
	fixture(t)
	data, err := os.ReadFile(fx.report)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(data, []byte(`"build_id":"`+fx.m.BuildID+`"`)) {
		t.Fatalf("the fixture's report does not carry its build id %s", fx.m.BuildID)
	}
	dir := t.TempDir()
	for _, tc := range []struct {
		name, id string
		listed   bool
	}{
		{"this build", fx.m.BuildID, true},
		{"the previous build", fx.prevID, false},
		{"a failed build", "", false},
	} {
		p := filepath.Join(dir, strings.ReplaceAll(tc.name, " ", "-")+".jsonl")
		var b bytes.Buffer
		sc := bufio.NewScanner(bytes.NewReader(data))
		sc.Buffer(nil, 16<<20)
		for sc.Scan() {
			var line map[string]any
			if err := json.Unmarshal(sc.Bytes(), &line); err != nil {
				t.Fatal(err)
			}
			line["build_id"] = tc.id
			enc, _ := json.Marshal(line)
			b.Write(append(enc, '\n'))
		}
		os.WriteFile(p, b.Bytes(), 0o644)
		s, err := New(Options{OutDir: fx.out, ManifestPath: fx.manifest, ReportPath: p})
		if err != nil {
			t.Fatal(err)
		}
		r, err := s.BuildReport()
		s.Close()
		if err != nil {
			t.Fatal(err)
		}
		notes := strings.Join(r.Notes, "\n")
		if tc.listed {
			if r.RejectedTotal == 0 || r.ReportFile != p || strings.Contains(notes, "another build") {
				t.Errorf("%s: %d rejected rows from %q, notes %q", tc.name, r.RejectedTotal, r.ReportFile, notes)
			}
			continue
		}
		if r.RejectedTotal != 0 || len(r.Rejected) != 0 || r.ReportFile != "" || !strings.Contains(notes, "another build") ||
			!strings.Contains(notes, `"`+tc.id+`"`) {
			t.Errorf("%s: %d rejected rows from %q, notes %q; want none, and a note naming build %q", tc.name, r.RejectedTotal, r.ReportFile, notes, tc.id)
		}
	}
}
