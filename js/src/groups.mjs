// groups.mjs — the search map's location-group filters, in the browser (Go:
// internal/generators/locations writes the file).
//
// Its one import is ./rules.mjs (the app's rules, generated from
// internal/apprules/app_rules.json). The app's /api/search-geojson/ (search map, map
// explorer) filters its LocationGroups on the server; prebake bakes every
// located group, each value written once, as locations/groups/all.geojson, and
// searchGroups runs the endpoint's rules on those features and returns them in
// the endpoint's shape:
//
//   import {searchGroups, groupProperties} from '@prebake/client';
//   const groups = await (await fetch(manifest.assets['locations/groups/all.geojson'].url)).json();
//   const companies = await (await fetch(manifest.assets['locations/company_list.json'].url)).json();
//   const {features, total} = searchGroups(groups.features, {q: 'battery', zoom: 8}, {companyList: companies});
//   const group = groupProperties(groups.features[0], groups.auction_names); // every LocationGroup attribute
//
// The file holds, per feature, id, title, count, active, mw, technologies,
// companies, descriptions, cmu_ids, auctions (indices into the collection's
// auction_names), capacity_confidence, and descriptions_total,
// auction_names_total, located_count only where they differ from
// len(descriptions), len(auctions) and count. endpointProperties rebuilds the
// rest of what the endpoint shows (tech, company, desc, cmu, url);
// groupProperties adds the LocationGroup attributes that repeat them
// (component_count, is_active, capacity_mw, auction_years).
//
// params are the endpoint's query parameters (strings or numbers): q, tech,
// subtype, company, residential, show_active, north/south/east/west, zoom,
// limit. A parameter that is undefined or null is absent; other values count as
// given, as in request.GET. The rules (app-integration.md, Location groups; the
// app's checker/search_geojson view settles the details):
//   viewport   applied when north, south, east and west are all non-empty and
//              numbers: south <= lat <= north and west <= lng <= east;
//   show_active absent: every group; "true" (any case): active groups; any other
//              value: inactive groups;
//   q          starting with CMU/BMU/DSR (any case): groups whose cmu_ids hold the
//              upper-cased q exactly; else every whitespace-separated term must
//              occur, ignoring case, in the location text or in the descriptions
//              as PostgreSQL prints the JSON list (icontains on a JSONField);
//   tech       (not "All"): groups with one of the tech value's raw classes (TECH_VARIATIONS;
//              an unknown value is itself the key), incl. "Pumped Hydro" and "EV Charging";
//   subtype    with tech=DSR: Octopus / Axle (the group has that company) or
//              "Everything else" (neither);
//   residential a company name: groups with it; when absent, and no company is
//              chosen and no DSR subtype, groups with AXLE ENERGY LIMITED or
//              OCTOPUS ENERGY LIMITED are left out;
//   company    "Everything else": groups with none of the companies present at
//              more than 7 locations (options.companyList: company_list.json's
//              location_count); else groups with the name as given, upper-,
//              lower- or Python-title-cased;
//   order      zoom > 10: capacity descending, then location text; else by id;
//   limit      default 200; an Octopus/Axle query is capped at 100 without a
//              viewport, 200 with one.
// Returns {features, total}: the features in the endpoint's shape ({type,
// geometry, properties: {id, title, tech, company, desc, cmu, url, count,
// active, mw}}, `tech` and `company` as the endpoint shows them under a tech
// or company filter) and the endpoint's
// metadata.total: the groups that matched before the limit (for an Octopus/Axle
// query, whose count the app skips, the features shown). A limit or zoom that is
// not an integer, or a negative limit, throws (the app answers 500).

// TECH_VARIATIONS: the endpoint's tech values and the technologies keys each
// matches. TECH_PRIORITY is LocationGroup._TECH_PRIORITIES: a group's `tech` is
// its technologies key with the lowest number (any other key
// TECH_PRIORITY_DEFAULT; the first in key order among equals), "Unknown" when
// it has none. Both from internal/apprules/app_rules.json (./rules.mjs).
import {TECH_FILTER_CLASSES as TECH_VARIATIONS, TECH_PRIORITY, TECH_PRIORITY_DEFAULT, RESIDENTIAL_COMPANIES, DESCRIPTION_MAX,
    pyQuote, locationURL} from './rules.mjs';
export {TECH_VARIATIONS, TECH_PRIORITY, pyQuote};
const {Octopus: OCTOPUS, Axle: AXLE} = RESIDENTIAL_COMPANIES;

// pyTitle is Python's str.title(): a cased character after an uncased one is
// upper-cased (title case), any other cased character lower-cased.
export function pyTitle(s) {
    let out = '', prevCased = false;
    for (const ch of s) {
        const lo = ch.toLowerCase(), up = ch.toUpperCase();
        const cased = lo !== up || ch !== lo;
        out += cased ? (prevCased ? lo : up) : ch;
        prevCased = cased;
    }
    return out;
}

// pgJSONText is how PostgreSQL prints a jsonb array of strings (what
// icontains on a JSONField compares with): ["a", "b"], JSON escapes for " \ and
// control characters, other characters as they are.
export function pgJSONText(list) {
    const esc = s => '"' + s.replace(/[\u0000-\u001f"\\]/g, c => ({'"': '\\"', '\\': '\\\\', '\b': '\\b', '\f': '\\f',
        '\n': '\\n', '\r': '\\r', '\t': '\\t'})[c] || '\\u' + c.charCodeAt(0).toString(16).padStart(4, '0')) + '"';
    return '[' + list.map(esc).join(', ') + ']';
}

// primaryTech is LocationGroup.get_primary_technology over technologies keys.
export function primaryTech(technologies) {
    let best = 'Unknown', bestP = 0, first = true;
    for (const k of Object.keys(technologies || {})) {
        const p = TECH_PRIORITY[k] ?? TECH_PRIORITY_DEFAULT;
        if (first || p < bestP) { best = k; bestP = p; }
        first = false;
    }
    return best;
}

// endpointProperties are a baked group's properties as /api/search-geojson/
// shows them with no tech or company filter: tech (primaryTech), company (the
// first companies key: most components, ties by name; "Unknown" when none),
// desc (the first description, cut at DESCRIPTION_MAX (100) characters with "..." appended),
// cmu (the first cmu_ids), url (/location/by-name/<quote(title, safe="")>/).
export function endpointProperties(p) {
    const d = [...((p.descriptions || [])[0] || '')];
    return {
        id: p.id, title: p.title, tech: primaryTech(p.technologies), company: Object.keys(p.companies || {})[0] ?? 'Unknown',
        desc: d.length > DESCRIPTION_MAX ? d.slice(0, DESCRIPTION_MAX).join('') + '...' : d.join(''), cmu: (p.cmu_ids || [])[0] ?? '',
        url: locationURL(p.title), count: p.count, active: p.active, mw: p.mw,
    };
}

// groupProperties are every name of a baked group: the endpoint's properties,
// the LocationGroup attributes (component_count, technologies, companies,
// descriptions, auction_years, cmu_ids, capacity_mw, capacity_confidence,
// is_active) and the added descriptions_total, auction_names_total,
// located_count. auctionNames is the collection's auction_names.
export function groupProperties(feature, auctionNames) {
    const p = feature.properties;
    const auctions = p.auctions || [];
    return {
        ...endpointProperties(p), component_count: p.count, technologies: p.technologies, companies: p.companies,
        descriptions: p.descriptions, auction_years: auctions.map(i => auctionNames[i]), cmu_ids: p.cmu_ids,
        capacity_mw: p.mw, capacity_confidence: p.capacity_confidence, is_active: p.active,
        descriptions_total: p.descriptions_total ?? (p.descriptions || []).length,
        auction_names_total: p.auction_names_total ?? auctions.length, located_count: p.located_count ?? p.count,
    };
}

const given = v => v !== undefined && v !== null;
const str = v => (given(v) ? String(v) : '');
// Python's float() of a query parameter: surrounding white space allowed, else a number or an error.
const pyFloat = v => {
    const s = String(v).trim();
    if (!/^[+-]?(\d+\.?\d*(e[+-]?\d+)?|\.\d+(e[+-]?\d+)?|inf(inity)?|nan)$/i.test(s)) return null;
    return /inf/i.test(s) ? (s[0] === '-' ? -Infinity : Infinity) : /nan/i.test(s) ? NaN : Number(s);
};
const pyInt = (v, name) => {
    const s = String(v).trim();
    if (!/^[+-]?\d+$/.test(s)) throw new Error(`prebake-groups: ${name}=${v}: not an integer (the app answers 500)`);
    return Number(s);
};

// bigCompanies: the names present at more than 7 locations (company "Everything else").
function bigCompanies(companyList) {
    if (!companyList) throw new Error('prebake-groups: company "Everything else" needs options.companyList (locations/company_list.json)');
    return new Set(companyList.filter(c => c.company_name && c.location_count > 7).map(c => c.company_name));
}

export function searchGroups(features, params = {}, options = {}) {
    const q = str(params.q), tech = str(params.tech), subtype = str(params.subtype), company = str(params.company);
    const residential = str(params.residential);
    const showActive = given(params.show_active) ? str(params.show_active).toLowerCase() === 'true' : null;
    let limit = given(params.limit) ? pyInt(params.limit, 'limit') : 200;
    const zoom = given(params.zoom) ? pyInt(params.zoom, 'zoom') : 0;
    const has = (obj, k) => obj != null && Object.prototype.hasOwnProperty.call(obj, k);

    let box = null;
    if (['north', 'south', 'east', 'west'].every(k => str(params[k]) !== '')) {
        const [n, s, e, w] = ['north', 'south', 'east', 'west'].map(k => pyFloat(params[k]));
        if (![n, s, e, w].includes(null)) box = {n, s, e, w};
    }
    let qTest = null;
    if (q) {
        const up = q.toUpperCase();
        if (up.startsWith('CMU') || up.startsWith('BMU') || up.startsWith('DSR')) {
            qTest = p => (p.cmu_ids || []).includes(up);
        } else {
            const terms = q.split(/[\s\u001c-\u001f\u0085]+/u).filter(Boolean).map(t => t.toUpperCase());
            qTest = p => {
                const loc = p.title.toUpperCase(), desc = pgJSONText(p.descriptions || []).toUpperCase();
                return terms.every(t => loc.includes(t) || desc.includes(t));
            };
        }
    }
    const techKeys = tech && tech !== 'All' ? (TECH_VARIATIONS[tech] || [tech]) : null;
    const dsrSubtype = tech === 'DSR' && subtype !== '';
    let companyTest = null;
    if (company === 'Everything else') {
        const big = bigCompanies(options.companyList);
        companyTest = p => !Object.keys(p.companies || {}).some(c => big.has(c));
    } else if (company) {
        const names = [company, company.toUpperCase(), company.toLowerCase(), pyTitle(company)];
        companyTest = p => names.some(c => has(p.companies, c));
    }

    const kept = [];
    for (const f of features) {
        const p = f.properties;
        const [lng, lat] = f.geometry.coordinates;
        if (box && !(lat >= box.s && lat <= box.n && lng >= box.w && lng <= box.e)) continue;
        if (showActive !== null && p.active !== showActive) continue;
        if (qTest && !qTest(p)) continue;
        if (techKeys && !techKeys.some(k => has(p.technologies, k))) continue;
        if (dsrSubtype) {
            if (subtype === 'Octopus' && !has(p.companies, OCTOPUS)) continue;
            if (subtype === 'Axle' && !has(p.companies, AXLE)) continue;
            if (subtype === 'Everything else' && (has(p.companies, OCTOPUS) || has(p.companies, AXLE))) continue;
        }
        if (residential) {
            if (!has(p.companies, residential)) continue;
        } else if (!company && !dsrSubtype && (has(p.companies, OCTOPUS) || has(p.companies, AXLE))) continue;
        if (companyTest && !companyTest(p)) continue;
        kept.push(f);
    }

    const octopusAxle = company === OCTOPUS || company === AXLE ||
        ((tech === 'DSR' || tech === 'EV Charging') && (subtype === 'Octopus' || subtype === 'Axle'));
    if (octopusAxle) limit = Math.min(limit, box ? 200 : 100);
    if (limit < 0) throw new Error(`prebake-groups: limit=${limit}: negative (the app answers 500)`);
    if (zoom > 10) {
        kept.sort((a, b) => b.properties.mw - a.properties.mw ||
            (a.properties.title < b.properties.title ? -1 : a.properties.title > b.properties.title ? 1 : 0));
    } else {
        kept.sort((a, b) => (a.properties.id < b.properties.id ? -1 : a.properties.id > b.properties.id ? 1 : 0));
    }
    const out = kept.slice(0, limit).map(f => {
        const p = endpointProperties(f.properties);
        if (tech && tech !== 'All') {
            let dominant = tech;
            for (const name of Object.keys(f.properties.technologies || {})) {
                if (name === tech) { dominant = name; break; }
                if (tech === 'OCGT' && name.includes('Open Cycle Gas Turbine (OCGT)')) { dominant = name; break; }
                if (tech === 'Battery' && name.includes('Storage (Duration')) { dominant = name; break; }
            }
            p.tech = dominant;
        }
        if (company && company !== 'Everything else') p.company = company;
        return {type: 'Feature', geometry: f.geometry, properties: p};
    });
    // The app skips counting an Octopus/Axle query and reports the features shown.
    return {features: out, total: octopusAxle ? out.length : kept.length};
}
