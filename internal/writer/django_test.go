package writer_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/prebake/prebake/internal/writer"
	"github.com/prebake/prebake/manifest"
)

// djangoCheck reproduces, in Python, what Django 4.2+'s ManifestFilesMixin does
// when it saves staticfiles.json, and compares: the file's bytes must be exactly
// json.dumps(payload), and "hash" the MD5 of json.dumps(sorted(paths.items()))
// cut to 12 digits. When Django is installed, its own file_hash computes the
// hash as well.
const djangoCheck = `
import hashlib, json, sys
raw = open(sys.argv[1], "rb").read()
stored = json.loads(raw)
assert stored["version"] == "1.1", stored["version"]
paths = stored["paths"]
sorted_hashed_files = sorted(paths.items())
want = hashlib.md5(json.dumps(sorted_hashed_files).encode()).hexdigest()[:12]
assert stored["hash"] == want, (stored["hash"], want)
payload = {"paths": dict(sorted_hashed_files), "version": "1.1", "hash": want}
assert json.dumps(payload).encode() == raw, (json.dumps(payload), raw)
try:
    from django.conf import settings
    settings.configure(STATIC_ROOT="/tmp", STATIC_URL="/static/")
    from django.contrib.staticfiles.storage import ManifestStaticFilesStorage
    from django.core.files.base import ContentFile
    got = ManifestStaticFilesStorage().file_hash(None, ContentFile(json.dumps(sorted_hashed_files).encode()))
    assert got == stored["hash"], (got, stored["hash"])
    print("django", end=" ")
except ImportError:
    pass
print(json.dumps(paths, ensure_ascii=False, sort_keys=True))
`

func TestDjangoStaticfiles(t *testing.T) {
	py := "/usr/bin/python3"
	if _, err := os.Stat(py); err != nil {
		t.Skip("no /usr/bin/python3")
	}
	sum := strings.Repeat("0", 64)
	asset := func(p string) manifest.Asset { return manifest.Asset{Path: p, SHA256: sum} }
	tests := []struct {
		name   string
		assets map[string]manifest.Asset
		want   string // Python's view of paths
	}{
		{"empty", map[string]manifest.Asset{}, `{}`},
		{"tables", map[string]manifest.Asset{
			"cmu/components.parquet": asset("cmu/components.0123456789abcdef.parquet"),
			"cmu/cmus.json":          asset("cmu/cmus.fedcba9876543210.json"),
		}, `{"cmu/cmus.json": "cmu/cmus.fedcba9876543210.json", "cmu/components.parquet": "cmu/components.0123456789abcdef.parquet"}`},
		{"non-ASCII and quotes", map[string]manifest.Asset{
			"données/é.json":  asset("données/é.0123456789abcdef.json"),
			`a"b\c.json`:      asset(`a"b\c.0123456789abcdef.json`),
			"emoji/😀.json":    asset("emoji/😀.0123456789abcdef.json"),
			"del/\x7f.json":   asset("del/\x7f.0123456789abcdef.json"),
			"Zebra/upper.csv": asset("Zebra/upper.0123456789abcdef.csv"),
		}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := filepath.Join(t.TempDir(), "staticfiles.json")
			if err := writer.WriteDjangoStaticfiles(p, &manifest.Manifest{Assets: tt.assets}); err != nil {
				t.Fatal(err)
			}
			out, err := exec.Command(py, "-c", djangoCheck, p).CombinedOutput()
			if err != nil {
				t.Fatalf("python: %v\n%s", err, out)
			}
			got := strings.TrimPrefix(strings.TrimSpace(string(out)), "django ")
			if tt.want != "" && got != tt.want {
				t.Errorf("python reads paths %s, want %s", got, tt.want)
			}
			t.Logf("%s", out)
		})
	}
}
