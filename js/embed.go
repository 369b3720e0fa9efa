// Package js holds prebake's browser module, prebake-map.mjs, and embeds it so
// that Go programs (prebake serve's preview page) ship the same file the app
// loads.
package js

import _ "embed"

// PrebakeMap is js/prebake-map.mjs, byte for byte.
//
//go:embed prebake-map.mjs
var PrebakeMap []byte
