// The reference the filtered-view checks compare the JS client (js/src) with,
// stated from app-integration.md (Map points) and the app's map_data_api
// independently of the module: the markers /api/map-data/ gives for the
// components a filter keeps, clustered by the supercluster npm package.
//
// markers(points): one per exact position; its components in delivery_year DESC
// order (a string; unknown last; ties by register id), so the first is the
// representative; the markers in the order the app's query (that same order)
// meets their representatives (it keeps positions in a dict in order of first
// appearance).
export function markers(points) {
    const order = (a, b) => {
        const ya = a.properties.delivery_year, yb = b.properties.delivery_year;
        if (ya !== yb) return ya == null ? 1 : yb == null ? -1 : (ya < yb ? 1 : -1);
        return a.properties.id - b.properties.id;
    };
    const byPos = new Map();
    for (const p of [...points].sort(order)) {
        const k = JSON.stringify(p.geometry.coordinates);
        if (!byPos.has(k)) byPos.set(k, []);
        byPos.get(k).push(p);
    }
    return [...byPos.values()];
}

// markerIndex(Supercluster, layout, points, withCats): supercluster (the npm
// class) loaded with the markers of points (features with properties id,
// technology, display_technology, company, delivery_year, mw), with the
// layout's options; a marker has the representative's properties, count, ids
// and the summed mw; clusters sum mw and components (and count the components
// per category when withCats). getClusters(bbox, z) of the returned object
// drops the helper property the map function reads.
export function markerIndex(Supercluster, L, points, withCats) {
    const index = new Supercluster({radius: L.radius, extent: L.extent, minZoom: L.min_zoom,
        maxZoom: L.points_zoom - 1, minPoints: L.min_points,
        map: p => {
            const a = {mw: p.mw, components: p.count};
            if (withCats) for (const c of p.cats) a[c] = (a[c] || 0) + 1;
            return a;
        },
        reduce: (a, b) => {
            for (const k of Object.keys(b)) a[k] = (a[k] || 0) + b[k];
        }}).load(markers(points).map(m => {
            const r = m[0].properties;
            let mw = 0;
            for (const p of m) mw += p.properties.mw;
            return {type: 'Feature', id: r.id, geometry: m[0].geometry, properties: {
                id: r.id, technology: r.technology, display_technology: r.display_technology,
                company: r.company, delivery_year: r.delivery_year, mw, count: m.length, ids: m.map(p => p.properties.id),
                cats: m.map(p => p.properties.display_technology)}};
        }));
    return {getClusters: (bbox, z) => structuredClone(index.getClusters(bbox, z)).map(f => {
        if (!f.properties.cluster) delete f.properties.cats;
        return f;
    })};
}
