// markers.mjs — the markers /api/map-data/ gives for a set of components (Go:
// internal/generators/maptiles Markers, which does the same for the baked
// opening view).

// attrMarkers(a, rows) groups the attribute rows the filters keep (rows, in
// the file's order) as the app's /api/map-data/ gives them: one marker per
// exact lng/lat, its rows in `delivery_year DESC` order (a string; unknown
// last; ties ascending register id) so the first is the representative, and
// the markers in the order of their representatives in that same order (the
// app walks its query's rows and keeps positions in order of first
// appearance).
export function attrMarkers(a, rows) {
    const year = r => (a.delivery_year[r] < 0 ? null : a.dicts.delivery_year[a.delivery_year[r]]);
    const newer = (r, s) => {
        const yr = year(r), ys = year(s);
        if (yr !== ys) {
            if (yr === null) return 1;
            if (ys === null) return -1;
            return yr > ys ? -1 : 1;
        }
        return a.id[r] - a.id[s];
    };
    const at = new Map();
    const out = [];
    for (const r of rows) {
        const k = a.lng[r] + ',' + a.lat[r]; // exact: the shortest round-trip text of each float
        let m = at.get(k);
        if (!m) {
            m = [];
            at.set(k, m);
            out.push(m);
        }
        m.push(r);
    }
    for (const m of out) m.sort(newer);
    return out.sort((m, n) => newer(m[0], n[0]));
}
