// Package verifytest holds tests only: it checks prebake's PMTiles archives
// with go-pmtiles (github.com/protomaps/go-pmtiles), the format's reference
// implementation, as an independent verifier. It is a package of its own so
// that go-pmtiles' large dependency tree (cloud storage clients) is compiled
// only for these tests.
package verifytest
