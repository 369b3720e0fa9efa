// Command realbake makes (or finds) the test run's shared bake of the real data
// (package internal/testkit/realbake) and prints its directory on stdout, for the
// Makefile's test target to pass to `go test` and pytest as $PREBAKE_REALBAKE.
//
// Without ../shared it prints nothing and exits 0 outside CI (the tests that need
// the bake then skip, saying what is missing), and fails in CI (CI set), where
// ../shared is always present. Run it from the repository root:
//
//	go run ./internal/testkit/realbake/cmd/realbake
package main

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/prebake/prebake/internal/testkit/realbake"
	"github.com/prebake/prebake/internal/testkit/shareddata"
)

func main() {
	for _, rel := range []string{realbake.RegisterDir, realbake.Postcodes, realbake.Boundaries} {
		p := filepath.Join(shareddata.Dir(), filepath.FromSlash(rel))
		if _, err := os.Stat(p); err != nil {
			fmt.Fprintf(os.Stderr, "realbake: shared data %s is absent (set PREBAKE_SHARED or check out ../shared): tests of the real bake will skip\n", p)
			if os.Getenv("CI") != "" {
				os.Exit(1)
			}
			return
		}
	}
	b, err := realbake.Obtain(os.Stderr)
	if err != nil {
		fmt.Fprintf(os.Stderr, "realbake: %v\n", err)
		os.Exit(1)
	}
	if !b.Baked {
		fmt.Fprintf(os.Stderr, "realbake: reusing %s\n", b.Dir)
	}
	fmt.Println(b.Dir)
}
