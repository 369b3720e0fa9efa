// The preview page of `prebake serve`: every map tile set of the bake through
// the bake's own client (its asset js/prebake-client.mjs, the module the app's
// pages load; this server's own for a bake that has none), drawn as markers on a
// MapLibre map whose base is a GB outline (Natural Earth, embedded in the
// binary: gb-outline.geojson, made by scripts/gb-outline.mjs), so that any bake
// shows one; popups read the baked component_details shards; the PMTiles
// archive and the bake's DNO areas (--boundaries) are overlays. No network
// beyond this server.
//
// The page opens on the app's opening view: the /map/ page's area (north 58.7,
// south 50.0, east 1.8, west -8.2: ../shared/docs/app-integration.md) with its
// default filters (period future, residential DSR left out), which is the baked
// tile set (maptiles/default/<layer>). A filter panel applies the /map/ page's
// filters (mapFilter in js/src/filters.mjs: company, delivery year, period,
// category, raw class) through getClusters(bbox, zoom, filters): other filters,
// and no filter at all (period "any": every component), cluster the layer's
// attribute file.
//
// window.preview exposes the state the browser test reads: the manifest, the
// open layer, and the last view drawn ({seq, layer, bbox, zoom, filters, features}).
import {locationURL, componentURL, UNKNOWN_LOCATION} from '/_prebake/rules.mjs';

const maplibregl = window.maplibregl;
const $ = id => document.getElementById(id);
const esc = s => String(s ?? '').replace(/[&<>"']/g, c => ({'&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;'})[c]);

async function getJSON(url) {
    const r = await fetch(url);
    if (!r.ok) throw new Error(`${url}: HTTP ${r.status}`);
    return r.json();
}

const manifest = await getJSON('/manifest.json');
// The manifest's URLs carry the CDN's base_url; here the same paths are served from /.
const base = manifest.base_url || '';
const local = url => {
    if (base && url.startsWith(base)) url = url.slice(base.length);
    return /^[a-z][a-z0-9+.-]*:/i.test(url) ? url : '/' + url.replace(/^\/+/, '');
};
const assetURL = name => manifest.assets[name] && local(manifest.assets[name].url || manifest.assets[name].path);
// The client the bake was written with, so that it matches the tiles.
const {openLayer} = await import(assetURL('js/prebake-client.mjs') || '/_prebake/prebake-client.mjs');

$('build').innerHTML = `build <b>${esc(manifest.build_id)}</b>, ${esc(manifest.created)}` +
    (manifest.synthetic ? ' <span class="warn">(SYNTHETIC sample data)</span>' : '');

// The clustered tile sets (maptiles/default/<layer>): a localised copy of each
// entry for the client; the all layer first.
const isClusterTree = n => /^prebake-cluster-tree\//.test((manifest.tilesets[n].layout || {}).scheme || '');
const layerRank = n => [n.endsWith('/all') ? 0 : 1, n];
const layerNames = Object.keys(manifest.tilesets)
    .filter(isClusterTree).sort((a, b) => {
        const [ra, na] = layerRank(a), [rb, nb] = layerRank(b);
        return ra - rb || na.localeCompare(nb);
    });
function localEntry(name) {
    const e = structuredClone(manifest.tilesets[name]);
    e.tilejson.tiles = e.tilejson.tiles.map(local);
    if (e.layout.index_url) e.layout.index_url = local(e.layout.index_url);
    if (e.layout.attributes_url) e.layout.attributes_url = local(e.layout.attributes_url);
    return e;
}
// openPreviewLayer(name): the layer as the app opens it.
const openPreviewLayer = name => openLayer(localEntry(name));

// The /map/ page's area [[west, south], [east, north]] and opening filters.
const APP_AREA = [[-8.2, 50.0], [1.8, 58.7]];
const OPENING_FILTERS = {cm_period: 'future'};
// Room for the attribution line along the bottom, so no marker of the area hides under it.
const AREA_PADDING = {top: 10, right: 10, bottom: 44, left: 10};

const map = new maplibregl.Map({
    container: 'map',
    style: {version: 8, sources: {}, layers: [{id: 'sea', type: 'background', paint: {'background-color': '#d6e6f2'}}]},
    bounds: APP_AREA,
    fitBoundsOptions: {padding: AREA_PADDING},
    maxZoom: 18,
    // The postcode table's licence (OGL) requires its attribution wherever positions derived from it show.
    attributionControl: {compact: false, customAttribution: ['Capacity Market register (NESO)',
        manifest.shardsets.postcodes && manifest.shardsets.postcodes.params && manifest.shardsets.postcodes.params.attribution].filter(Boolean).map(esc)},
});
map.addControl(new maplibregl.NavigationControl({showCompass: false}));
await new Promise(resolve => map.on('load', resolve));

const notes = [];
const note = s => { notes.push(s); $('notes').innerHTML = notes.map(n => `<p>${n}</p>`).join(''); };

// --- Base outline (Natural Earth, carried by the server) and the DNO overlay:
// the bake's boundaries, per zoom band. ---
map.addSource('gb', {type: 'geojson', data: '/_prebake/gb-outline.geojson'});
map.addLayer({id: 'gb-land', type: 'fill', source: 'gb', paint: {'fill-color': '#f3efe6', 'fill-outline-color': '#c9c2b0'}});
let dnoBands = null;
const dnoIndexURL = assetURL('maptiles/boundaries/dno.json');
if (dnoIndexURL) {
    dnoBands = (await getJSON(dnoIndexURL)).bands;
    const coarsest = dnoBands.reduce((a, b) => a.minzoom <= b.minzoom ? a : b);
    map.addSource('dno', {type: 'geojson', data: await getJSON(local(coarsest.url))});
    map.addLayer({id: 'dno-lines', type: 'line', source: 'dno', layout: {visibility: 'none'},
        paint: {'line-color': '#b03a2e', 'line-width': 1.5}});
} else {
    $('dno').disabled = true;
    note('This bake has no DNO boundaries (build with --boundaries), so there is no DNO overlay.');
}
let dnoBand = null;
async function updateDNO() {
    if (!dnoBands || !$('dno').checked) return;
    const z = Math.floor(map.getZoom());
    const band = dnoBands.find(b => b.minzoom <= z && z <= b.maxzoom) || dnoBands[dnoBands.length - 1];
    if (band === dnoBand) return;
    dnoBand = band;
    map.getSource('dno').setData(await getJSON(local(band.url)));
}
$('dno').addEventListener('change', async () => {
    map.setLayoutProperty('dno-lines', 'visibility', $('dno').checked ? 'visible' : 'none');
    await updateDNO();
});

// --- The PMTiles archive in MapLibre. ---
const pm = Object.entries(manifest.tilesets).find(([, t]) => t.format === 'pmtiles');
const pmLayers = [];
if (pm && window.pmtiles) {
    const protocol = new window.pmtiles.Protocol();
    maplibregl.addProtocol('pmtiles', protocol.tile);
    const archive = new URL(local(pm[1].layout.url || pm[1].path), location.href).href;
    map.addSource('pmtiles', {type: 'vector', url: 'pmtiles://' + archive});
    for (const vl of pm[1].tilejson.vector_layers || []) {
        const id = 'pm-' + vl.id;
        pmLayers.push({id, name: vl.id});
        map.addLayer({id, type: 'circle', source: 'pmtiles', 'source-layer': vl.id, layout: {visibility: 'none'},
            paint: {
                'circle-color': ['case', ['to-boolean', ['get', 'cluster']], '#8e44ad', '#16a085'],
                'circle-radius': ['case', ['to-boolean', ['get', 'cluster']], ['min', 22, ['+', 6, ['sqrt', ['get', 'point_count']]]], 4],
                'circle-opacity': 0.6, 'circle-stroke-color': '#fff', 'circle-stroke-width': 1,
            }});
    }
} else {
    $('pmtiles').disabled = true;
    note('This bake has no PMTiles archive.');
}
function updatePMTiles() {
    for (const l of pmLayers) {
        map.setLayoutProperty(l.id, 'visibility', $('pmtiles').checked && l.name === current.name.split('/').pop() ? 'visible' : 'none');
    }
    $('pmtiles-layers').textContent = $('pmtiles').checked ? `archive layer "${current.name.split('/').pop()}" drawn in purple/green` : '';
}
$('pmtiles').addEventListener('change', updatePMTiles);

// --- Popups from the component_details shards. ---
// cmu/component_details (shard |id| mod n) names, for a component, the file of
// cmu/components_at_location and the list in it; a list row is a component's
// id and the indexes of its texts in the file's strings. The app's body is
// rebuilt as internal/generators/cmu/README.md says: the list's rows are the entries,
// the component's own row the popup, title and detailUrl from its location
// text (locationURL, componentURL: the app's rules, js/src/rules.mjs).
const details = manifest.shardsets['cmu/component_details'];
const atLocation = manifest.shardsets['cmu/components_at_location'];
const shardCache = new Map();
function shardFile(set, key) {
    const url = local(set.url.replace('{' + set.key + '}', key));
    if (!shardCache.has(url)) shardCache.set(url, getJSON(url));
    return shardCache.get(url);
}
async function detailFor(id) {
    if (!details || !atLocation) return null;
    const at = (await shardFile(details, Math.abs(id) % details.params.n))[String(id)];
    if (!at) return null;
    const f = await shardFile(atLocation, at[0]);
    const rows = f.lists[at[1]].map(r => Object.fromEntries(f.fields.map((k, i) => [k, i === 0 ? r[0] : r[i] == null ? null : f.strings[r[i]]])));
    const me = rows.find(r => r.id === id);
    if (!me) return null;
    const loc = me.location;
    const detailUrl = loc == null ? componentURL(id) : locationURL(loc);
    return {
        id, title: loc ?? UNKNOWN_LOCATION, technology: me.technology, display_technology: me.display_technology,
        company: me.company, company_id: me.company_id, description: me.description, delivery_year: me.delivery_year,
        auction_name: me.auction_name, cmu_id: me.cmu_id, detailUrl, has_multiple_years: rows.length > 1,
        components_at_location: rows.map(r => ({id: r.id, delivery_year: r.delivery_year ?? 'Unknown', auction_name: r.auction_name,
            cmu_id: r.cmu_id, derated_capacity_mw: r.derated_capacity_mw, detailUrl})),
    };
}
async function showPopup(f) {
    const ids = f.properties.ids || [f.properties.id ?? f.id];
    const d = await detailFor(ids[0]);
    let html = '<div class="pb-popup">';
    if (!d) {
        html += `<h3>component ${esc(ids[0])}</h3><p class="warn">not in the component_details shards</p>`;
    } else {
        html += `<h3 class="pb-title">${esc(d.title)}</h3><table>` +
            [['Company', d.company], ['Technology', d.display_technology || d.technology], ['Description', d.description],
                ['CMU', d.cmu_id], ['Delivery year', d.delivery_year], ['Auction', d.auction_name], ['Component id', d.id]]
                .map(([k, v]) => `<tr><td>${k}</td><td>${esc(v)}</td></tr>`).join('') + '</table>';
        const at = d.components_at_location || [];
        if (at.length > 1) {
            html += `<ul>${at.map(c => `<li>${esc(c.id)}: ${esc(c.delivery_year)} ${esc(c.auction_name)}${c.derated_capacity_mw != null && c.derated_capacity_mw !== 'N/A' ? `, ${esc(c.derated_capacity_mw)} MW` : ''}</li>`).join('')}</ul>`;
        }
    }
    if (ids.length > 1) html += `<p class="muted">${ids.length} components at this position</p>`;
    html += '</div>';
    const popup = new maplibregl.Popup({maxWidth: '340px'}).setLngLat(f.geometry.coordinates).setHTML(html).addTo(map);
    preview.popup = {ids, detail: d, element: popup.getElement()};
    preview.popupSeq++;
}

// --- The clustered layer: getClusters for the view, drawn as DOM markers. ---
let current = null;
let markers = [];
let seq = 0;
const preview = window.preview = {manifest, map, layerNames, state: null, popup: null, popupSeq: 0, openLayer, localEntry, openPreviewLayer, filters};

// --- The filter panel: the /api/map-data/ parameters mapFilter takes. ---
const filterInputs = {company: 'f-company', year: 'f-year', cm_period: 'f-period', technology: 'f-category', exact_technology: 'f-class'};
// filters(): the panel's filters, or null when none is set (every component).
function filters() {
    const f = {};
    for (const [k, id] of Object.entries(filterInputs)) if ($(id).value.trim()) f[k] = $(id).value.trim();
    return Object.keys(f).length ? f : null;
}
const isOpening = f => f != null && Object.keys(f).length === 1 && f.cm_period === OPENING_FILTERS.cm_period;
function describeFilters(f) {
    if (isOpening(f)) return 'The /map/ page\'s opening view, as baked: period future, residential DSR companies left out (choose a company to see them).';
    if (!f) return 'No filter: every component, clustered from the attribute file (set period future for the /map/ page\'s opening view, as baked).';
    return 'Filtered as /map/ does: ' + [
        f.company ? 'company ' + esc(f.company) : 'residential DSR companies left out (choose a company to see them)',
        f.year ? 'delivery year ' + esc(f.year) : `period ${f.cm_period === 'historical' ? 'historical' : 'future'}`,
        f.technology && 'category ' + esc(f.technology), f.exact_technology && 'raw class ' + esc(f.exact_technology),
    ].filter(Boolean).join('; ') + '.';
}
const fillSelect = (id, values) => {
    $(id).innerHTML = '<option value="">any</option>' + values.map(v => `<option>${esc(v)}</option>`).join('');
};
// The panel's choices are the layer's own dictionaries (its attribute file).
async function fillFilters(layer, name) {
    const hasAttrs = !!manifest.tilesets[name].layout.attributes_url;
    for (const id of Object.values(filterInputs)) $(id).disabled = !hasAttrs;
    if (!hasAttrs) {
        $('f-note').textContent = 'This tile set has no attribute file, so it cannot be filtered.';
        return;
    }
    const d = (await layer.attributes()).dicts;
    if (current.layer !== layer) return;
    const sorted = xs => [...new Set(xs.filter(x => x != null && x !== ''))].sort();
    $('f-companies').innerHTML = sorted(d.company).map(c => `<option value="${esc(c)}">`).join('');
    fillSelect('f-year', sorted(d.delivery_year));
    fillSelect('f-category', sorted(d.category));
    fillSelect('f-class', sorted(d.technology));
    $('f-note').innerHTML = describeFilters(filters());
}

function markerFor(f) {
    const p = f.properties;
    const el = document.createElement('div');
    if (p.cluster) {
        const size = Math.round(Math.min(56, 20 + 6 * Math.log2(p.point_count)));
        el.className = 'pb-cluster';
        el.style.width = el.style.height = size + 'px';
        el.textContent = p.point_count_abbreviated;
        el.addEventListener('click', async e => {
            e.stopPropagation();
            // Baked clusters carry expansion_zoom; clustered in the browser, as
            // supercluster's getClusters returns them, they do not: ask the index.
            const z = p.expansion_zoom ?? (await current.layer.filteredIndex(filters() ?? undefined)).getClusterExpansionZoom(p.cluster_id);
            map.easeTo({center: f.geometry.coordinates, zoom: Math.min(z, map.getMaxZoom()), duration: 300});
        });
    } else {
        el.className = 'pb-point';
        if ((p.count || 1) > 1) el.textContent = p.count;
        el.addEventListener('click', e => { e.stopPropagation(); showPopup(f); });
    }
    el.dataset.id = f.id ?? p.id;
    el.dataset.kind = p.cluster ? 'cluster' : 'point';
    el.dataset.count = p.cluster ? p.point_count : (p.count || 1);
    el.title = p.cluster ? `${p.point_count} components; click to zoom to ${p.expansion_zoom}` : (p.title || '');
    return new maplibregl.Marker({element: el}).setLngLat(f.geometry.coordinates);
}

async function draw() {
    const my = ++seq;
    const b = map.getBounds();
    const bbox = [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()];
    const zoom = map.getZoom();
    const f = filters();
    $('f-note').innerHTML = describeFilters(f);
    let features;
    try {
        features = await current.layer.getClusters(bbox, zoom, f ?? undefined);
    } catch (err) {
        if (my === seq) $('status').innerHTML = `<span class="warn">${esc(err.message)}</span>`;
        return;
    }
    if (my !== seq) return; // a newer view is being drawn
    for (const m of markers) m.remove();
    markers = features.map(markerFor);
    for (const m of markers) m.addTo(map);
    const points = features.reduce((n, f) => n + (f.properties.cluster ? f.properties.point_count : (f.properties.count || 1)), 0);
    $('status').textContent = `zoom ${zoom.toFixed(2)} (clusters of zoom ${Math.floor(zoom)}): ${features.length} features, ${points} components in view`;
    preview.state = {seq: my, layer: current.name, bbox, zoom, filters: f, features};
}

function selectLayer(name) {
    current = {name, layer: openPreviewLayer(name)};
    preview.layer = current.layer;
    // A company or class of another layer may not exist here: start from the
    // opening view's filters.
    for (const [k, id] of Object.entries(filterInputs)) $(id).value = OPENING_FILTERS[k] ?? '';
    fillFilters(current.layer, name).catch(err => { $('f-note').innerHTML = `<span class="warn">${esc(err.message)}</span>`; });
    updatePMTiles();
    return draw();
}

// --- Changes since the previous bake: changes/latest.json (docs/changes.md) as
// an overlay: components added (green) and removed (red) at their positions,
// moved ones (orange) at their new position with a dashed line from the old.
// #changes in the URL (the bake report links it) turns the overlay on.
const changesURL = assetURL('changes/latest.json');
if (changesURL) {
    const log = await getJSON(changesURL);
    const point = (p, kind, e) => ({type: 'Feature', properties: {kind, id: e.id, company: e.company_name},
        geometry: {type: 'Point', coordinates: [p.lng, p.lat]}});
    const features = [];
    for (const e of log.components.added) if (e.position) features.push(point(e.position, 'added', e));
    for (const e of log.components.removed) if (e.position) features.push(point(e.position, 'removed', e));
    for (const m of log.components.moved) {
        if (m.old && m.new) {
            features.push({type: 'Feature', properties: {kind: 'move', id: m.id, distance_m: m.distance_m, reason: m.reason},
                geometry: {type: 'LineString', coordinates: [[m.old.lng, m.old.lat], [m.new.lng, m.new.lat]]}});
        }
        if (m.new) features.push(point(m.new, 'moved', m));
    }
    map.addSource('changes', {type: 'geojson', data: {type: 'FeatureCollection', features}});
    map.addLayer({id: 'changes-lines', type: 'line', source: 'changes', filter: ['==', ['geometry-type'], 'LineString'],
        layout: {visibility: 'none'}, paint: {'line-color': '#e67e22', 'line-width': 2, 'line-dasharray': [2, 1]}});
    map.addLayer({id: 'changes-points', type: 'circle', source: 'changes', filter: ['==', ['geometry-type'], 'Point'],
        layout: {visibility: 'none'}, paint: {
            'circle-radius': 6, 'circle-stroke-color': '#fff', 'circle-stroke-width': 1.5,
            'circle-color': ['match', ['get', 'kind'], 'added', '#27ae60', 'removed', '#c0392b', '#e67e22'],
        }});
    const s = log.summary;
    $('changes-summary').textContent = log.against_nothing ? `nothing to compare with: ${log.note}` :
        `since build ${log.old_build_id}: ${s.added} added, ${s.removed} removed, ${s.moved} moved, ${s.changed} changed`;
    preview.changes = {log, features};
    const showChanges = () => {
        for (const id of ['changes-lines', 'changes-points']) map.setLayoutProperty(id, 'visibility', $('changes').checked ? 'visible' : 'none');
    };
    $('changes').addEventListener('change', showChanges);
    if (location.hash === '#changes') {
        $('changes').checked = true;
        showChanges();
    }
} else {
    $('changes').disabled = true;
    note('This bake has no changelog (changes/latest.json).');
}

$('layers').innerHTML = layerNames.map(n => `<label><input type="radio" name="layer" value="${esc(n)}"${n === layerNames[0] ? ' checked' : ''}> ${esc(n.replace(/^maptiles\/(default\/)?/, ''))} <span class="muted">(${manifest.tilesets[n].files} files)</span></label>`).join('');
$('layers').addEventListener('change', e => selectLayer(e.target.value));
$('filters').addEventListener('change', () => draw());
$('opening').addEventListener('click', () => {
    for (const [k, id] of Object.entries(filterInputs)) $(id).value = OPENING_FILTERS[k] ?? '';
    map.fitBounds(APP_AREA, {padding: AREA_PADDING, duration: 0}); // moveend draws
    draw();
});
map.on('moveend', () => { draw(); updateDNO(); });
if (layerNames.length) await selectLayer(layerNames[0]);
else note('<span class="warn">This bake has no map tile sets.</span>');
preview.ready = true;
