// filters.mjs — the /map/ page's filters over a layer's attribute file (Go:
// internal/generators/maptiles writes the file, scheme prebake-attrs/1).
import {RESIDENTIAL_COMPANIES as RESIDENTIAL_BY_SUBTYPE} from './rules.mjs';

// ATTRIBUTES_SCHEME is the attribute file layout this client reads.
export const ATTRIBUTES_SCHEME = 'prebake-attrs/1';

// RESIDENTIAL_COMPANIES: the companies /map/ hides unless a company is chosen
// (app_rules.json residential_companies, in its order).
export const RESIDENTIAL_COMPANIES = Object.values(RESIDENTIAL_BY_SUBTYPE);

// decodeAttributes turns an attribute file (scheme prebake-attrs/1, written by
// internal/generators/maptiles) into columns: lng, lat (Float64Array), id (register ids),
// and per-row codes, with properties(i) giving a point's GeoJSON properties.
export function decodeAttributes(file) {
    if (!file || file.scheme !== ATTRIBUTES_SCHEME) throw new Error(`prebake-map: unsupported attribute file ${file && file.scheme}`);
    const n = file.count;
    const lng = new Float64Array(n), lat = new Float64Array(n), id = new Array(n);
    let prev = 0;
    for (let i = 0; i < n; i++) {
        const p = file.position[i];
        lng[i] = file.positions[2 * p];
        lat[i] = file.positions[2 * p + 1];
        prev += file.id[i];
        id[i] = prev;
    }
    const d = file.dicts;
    const a = {
        count: n, lng, lat, id, dicts: d,
        category: file.category, technology: file.technology, company: file.company,
        delivery_year: file.delivery_year, mw: file.mw, active: file.active, residential: file.residential,
        properties: i => {
            const y = file.delivery_year[i];
            return {id: id[i], technology: d.technology[file.technology[i]] || 'Unknown',
                display_technology: d.category[file.category[i]], company: d.company[file.company[i]],
                delivery_year: y < 0 ? null : d.delivery_year[y], mw: file.mw[i]};
        },
    };
    return a;
}

// mapFilter(filters) states the /map/ page's filters (app-integration.md, Map
// points; the app's /api/map-data/), all applied together:
//   company: exact company name; when absent, RESIDENTIAL_COMPANIES are excluded;
//   year: exact delivery year ("2024"); when absent, cm_period: 'future' (the
//     default: the component's location group is active) or 'historical' (not);
//   technology: a category ('OCGT' names 'Gas', as the front end does; 'All' or
//     absent = every category); exact_technology: one raw class.
// Empty strings count as absent. filters null or undefined is no filter at all
// (every component). Returns {key, isDefault, test(attrs, i)}.
export function mapFilter(filters) {
    if (filters == null) return {key: 'none', isDefault: false, test: () => true};
    const v = k => (filters && filters[k] != null && filters[k] !== '' ? String(filters[k]) : null);
    const company = v('company'), year = v('year'), exact = v('exact_technology');
    let tech = v('technology');
    if (tech === 'All') tech = null;
    if (tech === 'OCGT') tech = 'Gas';
    const period = v('cm_period') === 'historical' ? 'historical' : 'future';
    const key = JSON.stringify([company, year, year ? null : period, tech, exact]);
    const isDefault = !company && !year && period === 'future' && !tech && !exact;
    const test = (a, i) => {
        const d = a.dicts;
        if (company !== null ? d.company[a.company[i]] !== company : a.residential[i] === 1) return false;
        if (year !== null) {
            if (a.delivery_year[i] < 0 || d.delivery_year[a.delivery_year[i]] !== year) return false;
        } else if ((a.active[i] === 1) !== (period === 'future')) return false;
        if (tech !== null && d.category[a.category[i]] !== tech) return false;
        if (exact !== null && d.technology[a.technology[i]] !== exact) return false;
        return true;
    };
    return {key, isDefault, test};
}
