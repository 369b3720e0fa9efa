"""The app's three map endpoints answered from the bake: no database, no Redis.

=====================================  =====================================================
path                                   the app's view it replaces (daveyboyc/cm-search)
=====================================  =====================================================
``/api/map-data/``                     ``checker/views.py`` ``map_data_api`` (the /map/ page)
``/api/component-map-detail/<id>/``    ``checker/views.py`` ``component_map_detail_api`` (popups)
``/api/search-geojson/``               ``checker/views_search_geojson.py``
                                       ``search_results_geojson`` (search map, map explorer)
=====================================  =====================================================

Like the app's, each view gzips its answer when the client accepts it, and the
popup view answers only GET (405 otherwise). Each answers with the app's body for the same query string (keys, order,
types, the app's filters, caps and defaults), computed from the bake's files
(:mod:`prebake.django.views_data`); the rules are restated from
``../shared/docs/app-integration.md`` and the app's code, and the differences
that remain are listed in docs/app-contract.md ("Deliberate differences"). Ids
are register ids (``_id``) in markers and popups alike.

Hostile input never reaches a 500: a query the app would crash on (a negative
or non-numeric ``limit`` or ``zoom`` on ``/api/search-geojson/``, a negative
``limit`` on ``/api/map-data/``, a NUL character in a value the app's database
would refuse), a ``q`` longer than :data:`MAX_QUERY_CHARS` characters or of
more than :data:`MAX_TERMS` distinct words, and any other value longer than
:data:`MAX_VALUE_CHARS` characters get ``400`` with
``{"error": reason}``. Work per request is bounded by the register's size.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
import time
from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.gzip import gzip_page
from django.views.decorators.http import require_GET

from .. import rules
from . import get_manifest
from . import views_data as vd

#: Longest accepted ``q`` (or ``search_query``), in characters: each word is
#: a scan of the texts (the app's pages send a short search).
MAX_QUERY_CHARS = 1000
#: Longest accepted value of any other parameter (a server's request line is
#: shorter; the cap bounds the work a test client or a proxy could ask for).
MAX_VALUE_CHARS = 20000
#: Most distinct words of a ``q`` text search.
MAX_TERMS = 32


class BadRequest(Exception):
    """A query the views refuse with 400 (the message is the reason)."""


def _bad(e: BadRequest) -> JsonResponse:
    return JsonResponse({"error": str(e)}, status=400)


def _checked(request: HttpRequest, db_params: tuple[str, ...]) -> None:
    """Refuse over-long values, and NUL in the parameters the app sends to
    PostgreSQL (which rejects it: the app answers 500)."""
    for k, vs in request.GET.lists():
        for v in vs:
            cap = MAX_QUERY_CHARS if k in ("q", "search_query") else MAX_VALUE_CHARS
            if len(v) > cap:
                raise BadRequest(f"parameter {k[:40]!r}: {len(v)} characters, at most {cap}")
            if k in db_params and "\x00" in v:
                raise BadRequest(f"parameter {k!r}: contains a NUL character")


def _terms(q: str) -> list[str]:
    """``q.split()`` without repeats (the app ANDs every word; a repeat changes nothing)."""
    terms = list(dict.fromkeys(q.split()))
    if len(terms) > MAX_TERMS:
        raise BadRequest(f"q: {len(terms)} distinct words, at most {MAX_TERMS}")
    return terms


def _py_int(value: str) -> int:
    """Python's ``int(value)``, the app's parse (ValueError as it raises)."""
    return int(value)


# --- /api/map-data/ ------------------------------------------------------------


def fix_quirks() -> bool:
    """The setting ``PREBAKE_VIEWS_FIX_QUIRKS`` (default False: the app's
    answers, bugs included). True fixes the app's ``/api/map-data/`` bugs
    (docs/app-contract.md, Deliberate differences): ``technology=All`` without
    a company and ``q`` without a technology filter nothing instead of
    matching nothing, ``OCGT`` (the page's name for gas) means the Gas
    category, ``EV Charging`` the components at locations with the EV Charging
    pseudo-technology, and a malformed ``year`` is ignored but the period
    filter still applies."""
    from django.conf import settings

    return bool(getattr(settings, "PREBAKE_VIEWS_FIX_QUIRKS", False))


_EMPTY_MAP = {"type": "FeatureCollection", "features": [], "metadata": {"count": 0, "total": 0, "filtered": False}}

_SW11_CENTRE = (51.47, -0.165)  # the app's fallback marker for an SW11 search without located results


@gzip_page
def map_data(request: HttpRequest) -> HttpResponse:
    """``/api/map-data/``: the /map/ page's markers, one Point per exact
    position among the first ``limit`` matching components (in the app's
    ``delivery_year DESC`` order), the first of them the representative; the
    app's parameters ``technology``, ``exact_technology``, ``company``,
    ``year``, ``cm_period``, ``q``/``search_query``, ``north``/``south``/
    ``east``/``west``, ``limit``, ``detail_level``, and its
    ``metadata {count, total, filtered}``."""
    try:
        _checked(request, ("q", "search_query", "company", "exact_technology"))
        body = _map_data_body(request)
    except BadRequest as e:
        return _bad(e)
    return HttpResponse(json.dumps(body), content_type="application/json")


def _map_data_body(request: HttpRequest) -> dict[str, Any]:
    import numpy as np

    G = request.GET
    company = G.get("company", "")
    early_q = G.get("q", "") or G.get("search_query", "")
    if "technology" not in G and not company and not early_q:
        return _EMPTY_MAP
    detail_level = G.get("detail_level", "minimal")
    search = G.get("q", None) or G.get("search_query", None)
    year = G.get("year")
    technology = G.get("technology")
    exact = G.get("exact_technology")
    cm_period = G.get("cm_period", "future")
    sw11 = search is not None and search.upper().strip() == "SW11"

    md = vd.map_data(get_manifest())
    mask = np.ones(md.n, dtype=bool)

    # Technology first: when it matches nothing (the app's technology=All
    # without a company, Other, EV Charging, OCGT, or none with q) no text
    # search is needed.
    fix = fix_quirks()
    if sw11 or technology == "" or (technology == "All" and company):
        pass
    elif exact:
        mask &= md.technology == md.code(exact)
    elif fix and (technology is None or technology == "All"):
        pass  # fixed: no technology filter (the app: nothing)
    elif fix and technology == "EV Charging":
        mask &= np.isin(md.location, vd.ev_charging_locations(get_manifest()))  # fixed: the location pseudo-technology
    else:
        target = vd.simplified_technology(technology)
        if fix and technology == "OCGT":
            target = "Gas"  # fixed: the page's name for Gas (the app: "Other", nothing)
        mask &= (md.category == md.code(target)) & (md.technology >= 0)

    if mask.any():
        if search:
            if sw11:
                codes = [i for i, s in enumerate(md.strings) if s.upper() == "SW11"]
                by_outcode = np.isin(md.outcode, codes)
                mask &= by_outcode if by_outcode.any() else md.icontains(["sw11"])
            else:
                mask &= md.icontains(_terms(search))
        else:
            mask &= md.located
        if company:
            mask &= md.company == md.code(company)
        else:
            mask &= ~np.isin(md.company, [md.code(c) for c in vd.RESIDENTIAL])
        if year and year.isdigit() and len(year) == 4:
            mask &= md.delivery_year == md.code(year)
        elif year and not fix:
            pass  # the app ignores a malformed year and applies no period either
        elif cm_period == "historical":
            mask &= md.group == 0
        else:
            mask &= md.group == 1

    viewport = False
    north, south, east, west = (G.get(k) for k in ("north", "south", "east", "west"))
    if not search and north and south and east and west:
        try:
            n, s, e, w = (float(v) for v in (north, south, east, west))
        except ValueError:
            pass
        else:
            if -90 <= s < n <= 90 and -180 <= w <= 180 and -180 <= e <= 180:
                with np.errstate(invalid="ignore"):
                    inside = (md.lat <= n) & (md.lat >= s)
                    inside &= ((md.lng >= w) & (md.lng <= e)) if w <= e else ((md.lng >= w) | (md.lng <= e))
                mask &= inside
                viewport = True

    rows = np.flatnonzero(mask)
    total = int(rows.size)
    try:
        requested = _py_int(G.get("limit", "250"))
        limit = min(500, requested) if viewport else min(250, requested)
    except ValueError:
        limit = 500 if viewport else 250
    if limit < 0:
        raise BadRequest(f"limit {limit}: the app cannot take a negative limit (it answers 500)")
    rows = rows[:limit]

    by_pos: dict[int, int] = {}  # position code -> representative row, in first-seen order
    for r in map(int, rows):
        p = int(md.pos[r])
        if p >= 0 and p not in by_pos:
            by_pos[p] = r
    features = [_marker(md, r, detail_level) for r in by_pos.values()]
    if sw11 and search is not None and search.lower().strip() == "sw11" and not by_pos and rows.size:
        features.append(_sw11_marker(int(rows.size)))

    filtered = any([search, technology != "", company, year, viewport])
    return {"type": "FeatureCollection", "features": features,
            "metadata": {"count": len(features), "total": total, "filtered": filtered}}


# What rules.quote escapes: anything but ASCII letters, digits and QUOTE_SAFE.
_UNSAFE = re.compile(r"[^A-Za-z0-9" + re.escape(rules.QUOTE_SAFE) + r"]+")


_RUNS: dict[str, str] = {}


def _quote_run(m: re.Match[str]) -> str:
    run = m.group(0)
    q = _RUNS.get(run)
    if q is None:
        q = rules.quote(run)
        if len(run) <= 4 and len(_RUNS) < 4096:  # ", ", " ", "\n": the same few runs again and again
            _RUNS[run] = q
    return q


def _quote(text: str) -> str:
    """``rules.quote(text)`` (``urllib.parse.quote(text, safe="")``), quoting
    only the runs that need it, short ones remembered (quote() calls Python
    once per byte: it was most of a search answer's time)."""
    return _UNSAFE.sub(_quote_run, text)


def _by_name_url(text: str) -> str:
    """``rules.location_url(text)``, with the fast :func:`_quote`."""
    return rules.URL_TEMPLATES["location"].replace("{location}", _quote(text), 1)


def _location_url(location: str | None, component_id: int) -> str:
    if location is None:
        return rules.component_url(component_id)
    return _by_name_url(location)


def _marker(md: vd.MapData, r: int, detail_level: str) -> dict[str, Any]:
    """One feature: the app's properties of its representative row ``r``; with
    ``detail_level=minimal`` (the app's default) the app fetched only id,
    position, technology, location and auction name, so cmu_id, company,
    description and delivery_year take its defaults ("", "Unknown", "", "")."""
    cid = int(md.id[r])
    location = md.text(md.location, r)
    technology = md.text(md.technology, r)
    if detail_level == "minimal":
        cmu_id, company, description, year = "", "Unknown", "", ""
    else:
        cmu_id = md.text(md.cmu_id, r) or ""
        company, description, year = md.text(md.company, r), md.text(md.description, r), md.text(md.delivery_year, r)  # type: ignore[assignment]  # null as the app's null
    return {
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": [float(md.lng[r]), float(md.lat[r])]},
        "properties": {
            "id": cid,
            "cmu_id": cmu_id,
            "title": rules.UNKNOWN_LOCATION if location is None else location,
            "technology": technology,
            "display_technology": md.strings[int(md.category[r])],
            "company": company,
            "description": description,
            "delivery_year": year,
            "auction_name": md.text(md.auction_name, r),
            "detailUrl": _location_url(location, cid),
        },
    }


def _sw11_marker(n: int) -> dict[str, Any]:
    title = "SW11 Area (Approximate)"
    return {
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": [_SW11_CENTRE[1], _SW11_CENTRE[0]]},
        "properties": {
            "id": 0, "cmu_id": "SW11", "title": title, "technology": "Various",
            "display_technology": vd.simplified_technology("Various"), "company": "Multiple Companies",
            "description": f"Area contains {n} components without precise geocoding", "delivery_year": "",
            "auction_name": "", "detailUrl": _by_name_url(title),
        },
    }


# --- /api/component-map-detail/<id>/ ------------------------------------------------


@require_GET
@gzip_page
def component_map_detail(request: HttpRequest, component_id: int) -> HttpResponse:
    """``/api/component-map-detail/<id>/``: the popup of register id ``id``
    in the app's body and key order: its fields, and in
    ``components_at_location`` every component within ±0.0001° of its lat and
    lng (``BETWEEN``, as the app's ``__range``), ``delivery_year DESC``, or
    itself alone when it has no position; 404 ``{"success": false, "error":
    "Component not found"}`` for an id the register does not have."""
    import numpy as np

    md = vd.map_data(get_manifest())
    row = md.row_of(component_id)
    if row is None:
        return JsonResponse({"success": False, "error": "Component not found"}, status=404)
    location = md.text(md.location, row)
    # docs/app-contract.md, no-location-text: the by-id page, not /location/by-name/Unknown Location/
    url = _location_url(location, component_id)
    items: list[dict[str, Any]] = []
    if md.located[row]:
        lat, lng = float(md.lat[row]), float(md.lng[row])
        near = np.flatnonzero((md.lat >= lat - 0.0001) & (md.lat <= lat + 0.0001)
                              & (md.lng >= lng - 0.0001) & (md.lng <= lng + 0.0001))
        for r in map(int, near):  # rows are in the app's delivery_year DESC order
            items.append({"id": int(md.id[r]), "delivery_year": md.text(md.delivery_year, r) or "Unknown",
                          "auction_name": md.text(md.auction_name, r) or "", "cmu_id": md.text(md.cmu_id, r) or "Unknown",
                          "derated_capacity_mw": _capacity(float(md.derated_mw[r])), "detailUrl": url})
    else:  # the app's own entry for a component without coordinates: no auction_name
        items.append({"id": component_id, "delivery_year": md.text(md.delivery_year, row) or "Unknown",
                      "cmu_id": md.text(md.cmu_id, row) or "Unknown",
                      "derated_capacity_mw": _capacity(float(md.derated_mw[row])), "detailUrl": url})
    company = md.text(md.company, row) or "Unknown"
    data = {
        "id": component_id,
        "title": location or rules.UNKNOWN_LOCATION,
        "technology": md.text(md.technology, row) or "Unknown",
        "display_technology": md.strings[int(md.category[row])],
        "company": company,
        "company_id": "".join(company.lower().split()) if company != "Unknown" else None,  # the app's normalize()
        "description": md.text(md.description, row) or "",
        "delivery_year": md.text(md.delivery_year, row) or "",
        "auction_name": md.text(md.auction_name, row) or "",
        "cmu_id": md.text(md.cmu_id, row) or "",
        "detailUrl": url,
        "components_at_location": items,
        "has_multiple_years": len(items) > 1,
    }
    return JsonResponse({"success": True, "data": data})


def _capacity(mw: float) -> str:
    """The app's ``str(derated_capacity_mw or 'N/A')`` (Python's float str; 0 and null are "N/A")."""
    return "N/A" if mw != mw or mw == 0 else str(mw)


# --- /api/search-geojson/ ----------------------------------------------------------

_OCTOPUS, _AXLE = rules.RESIDENTIAL_COMPANIES["Octopus"], rules.RESIDENTIAL_COMPANIES["Axle"]


def _ge(x: Any, v: float) -> Any:
    """``x >= v`` as PostgreSQL compares float8: NaN above every number."""
    return x >= v if not math.isnan(v) else x != x


def _le(x: Any, v: float) -> Any:
    return x <= v if not math.isnan(v) else x == x


@gzip_page
def search_geojson(request: HttpRequest) -> HttpResponse:
    """``/api/search-geojson/``: location groups as the app's search map and
    map explorer fetch them: filters ``q``, ``tech``, ``subtype``, ``company``,
    ``residential``, ``show_active``, the viewport ``north``/``south``/
    ``east``/``west``, sort by ``zoom``, cap ``limit`` (default 200; 100 or
    200 for Octopus/Axle queries), the app's properties (``tech`` and
    ``company`` follow the filters) and metadata."""
    try:
        _checked(request, ("q", "tech", "company", "residential"))
        body = _search_geojson_body(request)
    except BadRequest as e:
        return _bad(e)
    return JsonResponse(body)


def _search_geojson_body(request: HttpRequest) -> dict[str, Any]:
    import numpy as np

    start = time.time()
    G = request.GET
    q = G.get("q", "")
    tech = G.get("tech", "")
    subtype = G.get("subtype", "")
    company = G.get("company", "")
    show_active = None if "show_active" not in G else G.get("show_active", "true").lower() == "true"
    try:
        limit = _py_int(G.get("limit", "200"))
    except ValueError:
        raise BadRequest("limit: not a whole number (the app answers 500)") from None
    north, south, east, west = (G.get(k) for k in ("north", "south", "east", "west"))
    try:
        zoom = _py_int(G.get("zoom", "0"))
    except ValueError:
        raise BadRequest("zoom: not a whole number (the app answers 500)") from None

    g = vd.groups(get_manifest())
    mask = np.ones(g.n, dtype=bool)
    viewport = False
    if north and south and east and west:
        try:
            n, s, e, w = float(north), float(south), float(east), float(west)
        except ValueError:
            pass
        else:
            mask &= _ge(g.lat, s) & _le(g.lat, n) & _ge(g.lng, w) & _le(g.lng, e)
            viewport = True
    if show_active is True:
        mask &= g.active
    elif show_active is False:
        mask &= ~g.active
    if q:
        upper = q.upper()
        if upper.startswith(("CMU", "BMU", "DSR")):
            mask &= g.having("cmu", [upper])
        else:
            search = g.searcher(("title", "descriptions_text"), keep=True)  # the map explorer's search box
            for term in _terms(q):
                hit = search(term)
                mask &= hit[g.title] | hit[g.descriptions_text]
                if not mask.any():
                    break
    if tech and tech != "All":
        mask &= g.having("tech", rules.TECH_FILTER_CLASSES.get(tech, [tech]))
    if tech == "DSR" and subtype:
        if subtype == "Octopus":
            mask &= g.having("company", [_OCTOPUS])
        elif subtype == "Axle":
            mask &= g.having("company", [_AXLE])
        elif subtype == "Everything else":
            mask &= ~g.having("company", [_OCTOPUS, _AXLE])
    residential = G.get("residential", "")
    if residential:
        mask &= g.having("company", [residential])
    elif not company and not (tech == "DSR" and subtype):
        mask &= ~g.having("company", [_AXLE, _OCTOPUS])
    if company:
        if company == "Everything else":
            mask &= ~g.having_codes("company", g.big_companies)
        else:
            mask &= g.having("company", [company, company.upper(), company.lower(), company.title()])

    octopus_axle = (company in (_OCTOPUS, _AXLE) or (tech == "DSR" and subtype in rules.RESIDENTIAL_COMPANIES)
                    or (tech == "EV Charging" and subtype in rules.RESIDENTIAL_COMPANIES))
    total = -1 if octopus_axle else int(mask.sum())
    if octopus_axle:
        limit = min(limit, 200 if viewport else 100)
    if limit < 0:
        raise BadRequest(f"limit {limit}: the app cannot take a negative limit (it answers 500)")
    hits = np.flatnonzero(mask)  # rows are in the app's id order
    if zoom > 10:  # order_by('-normalized_capacity_mw', 'location')
        chosen = sorted(map(int, hits), key=lambda i: (-g.mw[i], g.strings[g.title[i]]))[:limit]
    else:
        chosen = [int(i) for i in hits[:limit]]

    features = []
    filtered_tech = bool(tech) and tech != "All"
    for i in chosen:
        if filtered_tech:
            dominant = tech
            for k in g.tech_keys(i):
                if k == tech:
                    dominant = k
                    break
                if tech == "OCGT" and "Open Cycle Gas Turbine (OCGT)" in k:
                    dominant = k
                    break
                elif tech == "Battery" and "Storage (Duration" in k:
                    dominant = k
                    break
        else:
            dominant = g.strings[g.primary_tech[i]]
        mw = float(g.mw[i])
        title = g.strings[g.title[i]]
        cmu = int(g.cmu[i])
        features.append({
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [float(g.lng[i]), float(g.lat[i])]},
            "properties": {
                "id": hashlib.sha256(title.encode("utf-8")).hexdigest()[:12],
                "title": title,
                "tech": dominant,
                "company": company if company and company != "Everything else" else g.strings[g.primary_company[i]],
                "desc": g.strings[g.desc[i]],
                "cmu": g.strings[cmu] if cmu >= 0 else "",
                "url": _by_name_url(title),
                "count": int(g.count[i]),
                "active": bool(g.active[i]),
                "mw": mw or 0,
            },
        })
    return {
        "type": "FeatureCollection",
        "features": features,
        "metadata": {
            "count": len(features),
            "total": total if total != -1 else len(features),
            "geocoded_count": len(features),
            "non_geocoded_count": 0,
            "query": q or tech,
            "technology_filter": tech,
            "processing_time": f"{(time.time() - start):.3f}s",
            "grouped_by_location": True,
            "using_location_groups": True,
            "display_note": "Showing aggregated location data" + (" (limited for performance)" if octopus_axle else ""),
            "max_results": limit,
            "viewport": {
                "has_bounds": bool(north and south and east and west),
                "zoom_level": zoom,
                "showing_sample": total == -1 or total > len(features),
            },
        },
    }
