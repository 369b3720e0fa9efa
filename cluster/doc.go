// Package cluster is a Go port of SuperCluster 9.1.0 (mapbox/supercluster, with
// kdbush 4.1.0), the point clustering the app's map runs in the browser. It
// reproduces the npm package exactly, not approximately: the same Web Mercator
// projection, the same 2^30 integer grid for coordinates, the same KD-tree sort
// (Floyd–Rivest selection, node size 64) and neighbour visiting order, the same
// cluster ids, weighted centres and map/reduce hooks. Given the same points in
// the same order it returns the same clusters at every zoom; the tests check this
// against the npm package under Node.
//
// Input order matters to SuperCluster (a point processed earlier absorbs its
// neighbours), so callers must pass points in a stable, documented order.
//
// It is one of prebake's public packages, meant for reuse: a clusterer
// compatible with SuperCluster, for any Go program that must produce on a
// server the clusters the npm package would compute in the browser. prebake's own
// pipeline lives under internal/ and is not API.
package cluster
