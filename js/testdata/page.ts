// A page as an app writes it against @prebake/client, compiled with tsc --strict
// by TestTypeDeclarations (js/package_test.go).
import {openLayer, searchGroups, groupProperties, CLUSTER_TREE_SCHEME, type MapFeature, type TileSetEntry,
    type GroupFeature, type BBox} from '@prebake/client';

declare const manifest: {tilesets: Record<string, TileSetEntry>; assets: Record<string, {url: string}>};

const entry = manifest.tilesets['maptiles/default/all'];
if (entry.layout.scheme !== CLUSTER_TREE_SCHEME) throw new Error('baked for another client');
const layer = openLayer(entry, {baseURL: '/static/prebake/', fetchJSON: url => fetch(url).then(r => r.json())});
const view: BBox = [-8.2, 50, 1.8, 58.7];

function label(f: MapFeature): string {
    const p = f.properties;
    if (p.cluster) return `${p.point_count_abbreviated} components, ${p.mw.toFixed(1)} MW`;
    return `${p.title ?? p.id}: ${p.technology ?? 'Unknown'} (${p.count ?? 1})`;
}

export async function draw(): Promise<string[]> {
    const baked = await layer.getClusters(view, 6, {});
    const historical = await layer.getClusters(view, 6.5, {cm_period: 'historical', technology: 'Battery'});
    const every = await layer.getClusters(view, 6, null);
    const urls: string[] = await layer.urlsFor(view, 7);
    layer.clearCache();
    return [...baked, ...historical, ...every].map(label).concat(urls);
}

export async function search(q: string): Promise<number> {
    const groups = await (await fetch(manifest.assets['locations/groups/all.geojson'].url)).json() as
        {features: GroupFeature[]; auction_names: string[]};
    const {features, total} = searchGroups(groups.features, {q, zoom: 8, north: 55, south: 50, east: 1, west: -5});
    const first = features[0]?.properties.url ?? '';
    const full = groupProperties(groups.features[0], groups.auction_names);
    return total + first.length + full.auction_years.length + full.capacity_mw;
}
