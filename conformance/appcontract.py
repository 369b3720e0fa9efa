"""The web app's contracts, restated in Python from ../shared/docs/app-integration.md.

Written independently of prebake's Go code: each function states one rule of the
document (and, where it is silent, of the app's live code in daveyboyc/cm-search)
over plain register rows, so the conformance tests can compare a real bake's files
with what the app would have built, field by field. The rules' tables (technology
priorities, categories, filter classes, residential companies, active years, the
URL templates and quoting) are the one source every language reads,
internal/apprules/app_rules.json, through prebake.rules.
"""

import re
from collections import Counter, OrderedDict

from prebake import rules

# --- identity -----------------------------------------------------------------

def normalize(text):
    """The app's normalize(): lower-case, then remove all white space."""
    return re.sub(r"\s+", "", text.lower())


location_url = rules.location_url
component_url = rules.component_url
company_url = rules.company_url


def year_str(y):
    return None if y is None else str(y)


# --- technology ---------------------------------------------------------------

EXACT = rules.CATEGORY_EXACT
KEYWORDS = rules.CATEGORY_KEYWORDS


def simplified(tech):
    """get_simplified_technology with whole-word keywords."""
    if not tech or not tech.strip():
        return "Unknown"
    if tech in EXACT:
        return EXACT[tech]
    low = tech.lower()
    for kw, cat in KEYWORDS:
        if re.search(r"(?<![^\W_])" + re.escape(kw) + r"(?![^\W_])", low):
            return cat
    return "Other"


def simplified_substring(tech):
    """The app's own rule today (substring keywords), for counting differences."""
    if not tech:
        return "Unknown"
    if tech in EXACT:
        return EXACT[tech]
    low = tech.lower()
    for kw, cat in KEYWORDS:
        if kw in low:
            return cat
    return "Other"


# --- the register as the app stores it ----------------------------------------

class Component:
    """One register row as the app's Component model holds it."""

    __slots__ = ("id", "cmu_id", "company", "technology", "year", "auction", "mw", "description", "location", "lat", "lng")

    def __init__(self, row):
        def text(k):
            v = row.get(k)
            return None if v is None else str(v).strip()
        self.id = int(row["_id"])
        self.cmu_id = text("CMU ID") or ""
        self.company = text("Company Name") or ""
        self.technology = text("Generating Technology Class") or ""
        y = row.get("Delivery Year")
        self.year = None if y is None else int(y)
        self.auction = text("Auction Name") or ""
        mw = row.get("De-Rated Capacity")
        self.mw = None if mw is None else float(mw)
        self.description = text("Description of CMU Components") or ""
        loc = row.get("Location and Post Code")
        self.location = "" if loc is None else str(loc)  # verbatim
        self.lat = self.lng = None


def newest_first_key(c):
    """ORDER BY delivery_year DESC (a string; unknown last), ties by register id."""
    return (-(c.year or 0), c.id)


# --- map points (/api/map-data/) ----------------------------------------------

def map_points(comps):
    """One point per exact (lat, lng): {representative id: (props, ids)}."""
    at = {}
    for c in comps:
        if c.lat is not None:
            at.setdefault((c.lat, c.lng), []).append(c)
    out = {}
    for here in at.values():
        here.sort(key=newest_first_key)
        c = here[0]
        out[c.id] = ({
            "id": c.id, "cmu_id": c.cmu_id, "title": c.location or rules.UNKNOWN_LOCATION,
            "technology": c.technology or "Unknown", "display_technology": simplified(c.technology),
            "company": c.company, "description": c.description, "delivery_year": year_str(c.year),
            "auction_name": c.auction,
            "detailUrl": location_url(c.location) if c.location else component_url(c.id),
        }, [o.id for o in here])
    return out


# --- popups (/api/component-map-detail/<id>/) --------------------------------

def py_str(x):
    return str(float(x))


def popups(comps):
    """{id: the app's response body} for every component."""
    located = sorted((c for c in comps if c.lat is not None), key=lambda c: c.lat)
    lats = [c.lat for c in located]
    import bisect
    out = {}
    for c in comps:
        url = location_url(c.location) if c.location else component_url(c.id)
        if c.lat is None:
            near = [c]
        else:
            i = bisect.bisect_left(lats, c.lat - 0.0001)
            j = bisect.bisect_right(lats, c.lat + 0.0001)
            near = [o for o in located[i:j] if c.lng - 0.0001 <= o.lng <= c.lng + 0.0001]
        near.sort(key=newest_first_key)
        items = [{"id": o.id, "delivery_year": year_str(o.year) or "Unknown", "auction_name": o.auction,
                  "cmu_id": o.cmu_id, "derated_capacity_mw": "N/A" if not o.mw else py_str(o.mw),
                  "detailUrl": url} for o in near]
        out[c.id] = {"success": True, "data": {
            "id": c.id, "title": c.location or rules.UNKNOWN_LOCATION, "technology": c.technology or "Unknown",
            "display_technology": simplified(c.technology), "company": c.company,
            "company_id": normalize(c.company) if c.company else None, "description": c.description,
            "delivery_year": year_str(c.year), "auction_name": c.auction, "cmu_id": c.cmu_id, "detailUrl": url,
            "components_at_location": items, "has_multiple_years": len(items) > 1,
        }}
    return out


# --- location groups (/api/search-geojson/) -----------------------------------

PRIORITY = rules.TECH_PRIORITY
PSEUDO = {p["name"]: p["patterns"] for p in rules.PSEUDO_TECHNOLOGIES}
PUMPED = PSEUDO["Pumped Hydro"]
EV = PSEUDO["EV Charging"]
ACTIVE = rules.ACTIVE_AUCTION_YEARS


TECH_FILTERS = list(rules.TECH_FILTER_CLASSES)


def tech_filters(techs):
    """The search map's `tech` filter values a group matches: by category (Gas
    named OCGT), Hydro also for pumped storage, EV Charging for the pseudo-tech."""
    hit = set()
    for t in techs:
        if t == "EV Charging":
            hit.add(t)
            continue
        if t == "Pumped Hydro" or "pumped" in t.lower():
            hit.add("Hydro")
            if t == "Pumped Hydro":
                continue
        cat = simplified(t)
        if cat not in ("Other", "Unknown"):
            hit.add("OCGT" if cat == "Gas" else cat)
    return [f for f in TECH_FILTERS if f in hit]


def is_group_text(t):
    return bool(t) and t not in ("None", "N/A", "NA") and "tbc" not in t.lower() and "to be confirmed" not in t.lower()


def ordered_counts(values):
    """{value: n} ordered by count descending, ties by value (the app: -count)."""
    n = Counter(v for v in values if v)
    return OrderedDict(sorted(n.items(), key=lambda kv: (-kv[1], kv[0])))


def location_groups(comps):
    """{location text: the group's properties}, every group (located or not)."""
    by = {}
    for c in sorted(comps, key=lambda c: c.id):
        if is_group_text(c.location):
            by.setdefault(c.location, []).append(c)
    out = {}
    for text, ms in by.items():
        descs = []
        for c in ms:
            if c.description and c.description not in descs:
                descs.append(c.description)
        techs = ordered_counts(c.technology for c in ms)
        joined = " ".join(descs[:3]).lower()
        if any(p in joined for p in PUMPED):
            techs["Pumped Hydro"] = len(ms)
        if any(p in joined for p in EV):
            techs["EV Charging"] = len(ms)
        companies = ordered_counts(c.company for c in ms)
        auctions = sorted({c.auction for c in ms if c.auction}, reverse=True)[:5]
        with_mw = [c for c in ms if c.mw is not None]
        mw = round(sum(c.mw for c in with_mw), 3)
        conf = ("none" if not with_mw else "high" if len(with_mw) == len(ms)
                else "medium" if len(with_mw) >= len(ms) * 0.5 else "low")
        cmu_ids = sorted({c.cmu_id for c in ms if c.cmu_id})
        tech = min(techs, key=lambda t: PRIORITY.get(t, rules.TECH_PRIORITY_DEFAULT)) if techs else "Unknown"
        desc = descs[0][:rules.DESCRIPTION_MAX] + "..." if descs and len(descs[0]) > rules.DESCRIPTION_MAX else (descs[0] if descs else "")
        pos = next((c for c in ms if c.lat is not None), None)
        out[text] = {
            "title": text, "tech": tech, "company": next(iter(companies), "Unknown"), "desc": desc,
            "cmu": cmu_ids[0] if cmu_ids else "", "url": location_url(text), "count": len(ms),
            "active": any(y in a for a in auctions for y in ACTIVE), "mw": mw,
            "component_count": len(ms), "technologies": dict(techs), "technologies_order": list(techs),
            "companies": dict(companies), "descriptions": descs[:3], "auction_years": auctions, "cmu_ids": cmu_ids,
            "capacity_confidence": conf, "tech_filters": tech_filters(techs), "position": None if pos is None else [pos.lng, pos.lat],
            "members": ms,
        }
    return out


# --- statistics_page_data ------------------------------------------------------

def statistics(comps):
    comps = sorted(comps, key=lambda c: c.id)
    by_co, by_tech, years = {}, {}, Counter()
    for c in comps:
        if c.company:
            a = by_co.setdefault(c.company, [0, 0.0])
            a[0] += 1
            a[1] += c.mw or 0.0
        if c.technology:
            a = by_tech.setdefault(c.technology, [0, 0.0])
            a[0] += 1
            a[1] += c.mw or 0.0
        if c.year is not None:
            years[str(c.year)] += 1

    def top_count(m, key, n):
        return [{key: k, "count": v[0]} for k, v in sorted(m.items(), key=lambda kv: (-kv[1][0], kv[0]))[:n]]

    def top_mw(m, key, n):
        rows = [(k, round(v[1], 3)) for k, v in m.items() if round(v[1], 3) > 0]
        return [{key: k, "total_capacity": v} for k, v in sorted(rows, key=lambda kv: (-kv[1], kv[0]))[:n]]

    big = sorted((c for c in comps if c.mw is not None and c.mw > 0), key=lambda c: (-c.mw, c.id))[:20]
    techs = {c.technology or None for c in comps}
    return {
        "summary": {"total_components": len(comps), "total_companies": len(by_co), "total_technologies": len(techs),
                    "total_capacity": round(sum(c.mw or 0.0 for c in comps), 3)},
        "top_companies_count": top_count(by_co, "company_name", 25),
        "top_companies_capacity": top_mw(by_co, "company_name", 25),
        "tech_by_count": top_count(by_tech, "technology", 25),
        "tech_by_capacity": top_mw(by_tech, "technology", 25),
        "components_by_year": [{"delivery_year": y, "count": n} for y, n in sorted(years.items())],
        "top_components_capacity": [{"id": c.id, "location": c.location or None, "company_name": c.company or None,
                                     "technology": c.technology or None, "derated_capacity_mw": c.mw} for c in big],
    }


# --- lists over location groups -------------------------------------------------

def _list(groups, attr):
    """{key: [locations, components, credited capacity]} over the groups' `attr`."""
    acc = {}
    for g in groups.values():
        for name, n in g[attr].items():
            a = acc.setdefault(name, [0, 0, 0.0])
            a[0] += 1
            a[1] += n
            a[2] += g["mw"]
    return acc


def company_list(groups):
    return {k: {"company_name": k, "company_id": normalize(k), "location_count": a[0], "component_count": a[1],
                "total_capacity": round(a[2], 3)} for k, a in _list(groups, "companies").items()}


def technology_list(groups):
    return {k: {"technology": k, "location_count": a[0], "component_count": a[1], "total_capacity": round(a[2], 3)}
            for k, a in _list(groups, "technologies").items()}


def filter_options(groups):
    techs = sorted({t for g in groups.values() for t in g["technologies"]})
    loc = Counter(c for g in groups.values() for c in g["companies"])
    companies = [c for c, _ in sorted(loc.items(), key=lambda kv: (-kv[1], kv[0]))]
    years = sorted({a for g in groups.values() for a in g["auction_years"]}, reverse=True)
    return {"technologies": techs, "companies": companies, "auction_years": years}
