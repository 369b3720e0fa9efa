// Package duckcheck lets Go tests read prebake's Parquet and Arrow files with
// independent readers (DuckDB through @duckdb/node-api; apache-arrow for Arrow
// IPC) and run DuckDB SQL over them, by driving check_tables.mjs with node in the
// peers directory (shareddata.Peers).
package duckcheck

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/prebake/prebake/internal/generators/cmu/table"
	"github.com/prebake/prebake/internal/testkit/shareddata"
)

//go:embed check_tables.mjs
var script []byte

// Column is a column as the independent reader sees it.
type Column struct {
	Name     string `json:"name"`
	Type     string `json:"type"`
	Nullable bool   `json:"nullable"`
}

// ColumnChunk is one column of one Parquet row group.
type ColumnChunk struct {
	RowGroup  int    `json:"row_group"`
	Column    string `json:"column"`
	Encodings string `json:"encodings"` // e.g. "PLAIN, RLE_DICTIONARY"
	HasStats  bool   `json:"has_stats"`
}

// File is what the independent reader found in one file.
type File struct {
	Rows          int                       `json:"rows"`
	Columns       []Column                  `json:"columns"`
	RowGroups     []int                     `json:"row_groups"`     // Parquet only
	Compression   []string                  `json:"compression"`    // Parquet only
	RecordBatches []int                     `json:"record_batches"` // Arrow only
	ColumnChunks  []ColumnChunk             `json:"column_chunks"`  // Parquet only
	KeyValue      map[string]string         `json:"key_value"`      // Parquet only
	CreatedBy     string                    `json:"created_by"`     // Parquet only
	Checksums     map[string]table.Checksum `json:"checksums"`
}

// ArrowPackages are the npm packages that read Arrow IPC files: apache-arrow,
// and fzstd to decompress its ZSTD buffers.
var ArrowPackages = []string{"apache-arrow@21.2.0", "fzstd@0.1.1"}

// Peers returns the peers directory (with @duckdb/node-api) and the directory
// whose node_modules holds ArrowPackages, skipping (outside CI) or failing (in
// CI) t when they are missing. The Arrow packages are taken from the peers
// directory when scripts/setup-peers.sh installed them there, else from
// .cache/arrow-reader, which is installed with npm on first use.
func Peers(t testing.TB) (peers, arrowDir string) {
	t.Helper()
	peers = shareddata.Peers(t)
	if _, err := exec.LookPath("node"); err != nil {
		missing(t, "node is not installed")
	}
	if !has(peers, "@duckdb/node-api") {
		missing(t, "npm package @duckdb/node-api is not installed in "+peers+" (scripts/setup-peers.sh installs it)")
	}
	if has(peers, "apache-arrow") && has(peers, "fzstd") {
		return peers, peers
	}
	arrowDir = filepath.Join(shareddata.Root(), ".cache", "arrow-reader")
	if has(arrowDir, "apache-arrow") && has(arrowDir, "fzstd") {
		return peers, arrowDir
	}
	if err := installArrow(arrowDir); err != nil {
		missing(t, "cannot install "+strings.Join(ArrowPackages, " ")+" into "+arrowDir+": "+err.Error())
	}
	return peers, arrowDir
}

func has(dir, pkg string) bool {
	_, err := os.Stat(filepath.Join(dir, "node_modules", filepath.FromSlash(pkg), "package.json"))
	return err == nil
}

// installArrow installs ArrowPackages into a private directory and renames it
// into place, so that test binaries running at the same time never see a
// half-installed dir.
func installArrow(dir string) error {
	if _, err := exec.LookPath("npm"); err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(dir), 0o755); err != nil {
		return err
	}
	tmp, err := os.MkdirTemp(filepath.Dir(dir), "arrow-reader.tmp-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	if err := os.WriteFile(filepath.Join(tmp, "package.json"), []byte(`{"name":"prebake-arrow-reader","private":true}`+"\n"), 0o644); err != nil {
		return err
	}
	cmd := exec.Command("npm", append([]string{"install", "--no-audit", "--no-fund", "--loglevel=error"}, ArrowPackages...)...)
	cmd.Dir = tmp
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("npm install: %v: %s", err, out)
	}
	if err := os.Rename(tmp, dir); err != nil && !has(dir, "apache-arrow") {
		return err
	}
	return nil
}

func missing(t testing.TB, msg string) {
	t.Helper()
	if os.Getenv("CI") != "" {
		t.Fatal(msg)
	}
	t.Skip(msg)
}

func run(t testing.TB, args ...string) []byte {
	t.Helper()
	peers, arrowDir := Peers(t)
	s := filepath.Join(t.TempDir(), "check_tables.mjs")
	if err := os.WriteFile(s, script, 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("node", append([]string{s}, args...)...)
	cmd.Dir = peers
	cmd.Env = append(os.Environ(), "NODE_PATH="+filepath.Join(peers, "node_modules"), "ARROW_READER_DIR="+arrowDir)
	out, err := cmd.Output()
	if err != nil {
		if ee, ok := err.(*exec.ExitError); ok {
			t.Fatalf("node check_tables.mjs: %v\n%s", err, ee.Stderr)
		}
		t.Fatalf("node check_tables.mjs: %v", err)
	}
	return out
}

// Read reads each file (".parquet" with DuckDB, ".arrow" with apache-arrow into
// DuckDB) and returns what it found, by path.
func Read(t testing.TB, files ...string) map[string]File {
	t.Helper()
	out := map[string]File{}
	if err := json.Unmarshal(run(t, files...), &out); err != nil {
		t.Fatalf("check_tables.mjs output: %v", err)
	}
	return out
}

// Query runs DuckDB SQL queries in one DuckDB session and returns the rows of
// each, as DuckDB renders them in JSON (BIGINT and HUGEINT as strings, DOUBLE as
// numbers, lists as arrays).
func Query(t testing.TB, sql ...string) [][]map[string]any {
	t.Helper()
	var out [][]map[string]any
	if err := json.Unmarshal(run(t, append([]string{"--sql"}, sql...)...), &out); err != nil {
		t.Fatalf("query output: %v", err)
	}
	return out
}

// SQLString quotes s as a SQL string literal.
func SQLString(s string) string {
	b := []byte{'\''}
	for i := 0; i < len(s); i++ {
		if s[i] == '\'' {
			b = append(b, '\'')
		}
		b = append(b, s[i])
	}
	return string(append(b, '\''))
}
