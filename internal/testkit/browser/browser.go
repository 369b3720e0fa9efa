// Package browser runs the project's browser tests: a Node script drives
// Debian's Chromium (/usr/bin/chromium, scripts/setup-debian.sh) with
// playwright-core, and pages load maplibre-gl and pmtiles, all three npm
// packages pinned and installed into .cache/peers/browser by
// scripts/setup-browser.sh. Outside CI a test is skipped when any of them is
// missing; in CI (CI=true) it fails, because CI installs them.
package browser

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/prebake/prebake/internal/testkit/shareddata"
)

// Chromium is the browser the tests drive.
const Chromium = "/usr/bin/chromium"

// Args are the Chromium flags of every browser test: headless, no sandbox (CI
// runs as root), software GL, and no network traffic of the browser's own.
var Args = []string{"--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
	"--disable-component-update", "--disable-sync", "--no-first-run"}

// Peers returns the npm project holding playwright-core, maplibre-gl and
// pmtiles (.cache/peers/browser, or $PREBAKE_BROWSER_PEERS), skipping (or in
// CI failing) t when it or Chromium is missing.
func Peers(t testing.TB) string {
	t.Helper()
	d := os.Getenv("PREBAKE_BROWSER_PEERS")
	if d == "" {
		d = filepath.Join(shareddata.Root(), ".cache", "peers", "browser")
	}
	for _, p := range []string{"playwright-core", "maplibre-gl", "pmtiles"} {
		if _, err := os.Stat(filepath.Join(d, "node_modules", p, "package.json")); err != nil {
			missing(t, p+" is not installed in "+d+" (run scripts/setup-browser.sh)")
		}
	}
	if _, err := os.Stat(Chromium); err != nil {
		missing(t, Chromium+" is missing (run scripts/setup-debian.sh)")
	}
	if _, err := exec.LookPath("node"); err != nil {
		missing(t, "node is missing (run scripts/setup-debian.sh)")
	}
	return d
}

// RunJSON runs a Node script with PREBAKE_BROWSER_PEERS, CHROMIUM and
// CHROMIUM_ARGS (JSON) in its environment and decodes the JSON it prints into
// v. The script's stderr goes to the test's; a failing script fails t.
func RunJSON(t testing.TB, v any, script string, args ...string) {
	t.Helper()
	peers := Peers(t)
	flags, _ := json.Marshal(Args)
	cmd := exec.Command("node", append([]string{script}, args...)...)
	cmd.Env = append(os.Environ(), "PREBAKE_BROWSER_PEERS="+peers, "CHROMIUM="+Chromium, "CHROMIUM_ARGS="+string(flags))
	cmd.Stderr = os.Stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("node %s: %v", script, err)
	}
	if err := json.Unmarshal(out, v); err != nil {
		t.Fatalf("node %s printed %.300q: %v", script, out, err)
	}
}

func missing(t testing.TB, msg string) {
	t.Helper()
	if os.Getenv("CI") != "" {
		t.Fatal(msg)
	}
	t.Skip(msg)
}
