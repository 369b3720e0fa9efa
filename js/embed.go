// Package js holds prebake's JavaScript client, the npm package @prebake/client
// (package.json, src/*.mjs, index.d.ts; see README.md), and embeds its sources so
// that Go programs ship the client the repository tests: each bake writes it,
// bundled into one module, as the asset js/prebake-client.mjs
// (internal/jsclient), and prebake serve's preview page loads it.
package js

import "embed"

// Package is the client's package.json and src/*.mjs, byte for byte.
//
//go:embed package.json src/*.mjs
var Package embed.FS
