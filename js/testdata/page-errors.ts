// testdata/page.ts's calls with one mistake on each line marked "type error":
// tsc --strict must refuse those lines and no other (TestTypeDeclarations).
import {openLayer, searchGroups, CLUSTER_TREE_SCHEME, type MapFeature, type TileSetEntry,
    type GroupFeature} from '@prebake/client';

declare const entry: TileSetEntry;
declare const groups: GroupFeature[];

const layer = openLayer(entry, {baseURL: 1}); // type error
export const a = layer.getClusters([-8.2, 50, 1.8], 6, {}); // type error
export const b = layer.getClusters([-8.2, 50, 1.8, 58.7], '6'); // type error
export const c = layer.getClusters([-8.2, 50, 1.8, 58.7], 6, {period: 'historical'}); // type error
export const d: number = CLUSTER_TREE_SCHEME; // type error
export const e = (f: MapFeature) => f.properties.point_count.toFixed(); // type error
export const g = searchGroups(groups, {q: 'battery'}).features[0].properties.capacity_mw; // type error
export const h = openLayer(entry).getFiltered; // type error
