// index.mjs — the public API of the prebake client (package @prebake/client).
//
// What a page needs: openLayer (the /map/ page's clustered layers),
// searchGroups, endpointProperties and groupProperties (the search map's
// location groups), and the versions of the baked formats this client reads.
// Everything else in src/ is internal: importable by path in this repository's
// tests, not exported by the package.
export {openLayer} from './layer.mjs';
export {searchGroups, endpointProperties, groupProperties} from './groups.mjs';
export {CLUSTER_TREE_SCHEME} from './tiles.mjs';
export {ATTRIBUTES_SCHEME} from './filters.mjs';
