// Package js holds prebake's browser module, prebake-map.mjs, and embeds it
// (with the module it imports, src/rules.mjs) so that Go programs (prebake
// serve's preview page) ship the same files the app loads.
package js

import _ "embed"

// PrebakeMap is js/prebake-map.mjs, byte for byte.
//
//go:embed prebake-map.mjs
var PrebakeMap []byte

// Rules is js/src/rules.mjs (the app's rules, generated from
// internal/apprules/app_rules.json), which prebake-map.mjs imports as
// ./src/rules.mjs.
//
//go:embed src/rules.mjs
var Rules []byte
