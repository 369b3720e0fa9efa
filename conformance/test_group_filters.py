"""The search map's location-group filters (/api/search-geojson/) run in the
browser by the JS client's searchGroups (js/src/groups.mjs) over the baked groups, compared with the
endpoint's rules restated here over the groups built from the register rows
(appcontract.location_groups): q, tech (incl. OCGT, Pumped Hydro, EV Charging),
DSR subtype, company, residential, show_active, viewport, sort and limit; and
the ten properties of each feature shown, which the client rebuilds from what
the file writes once."""

import hashlib
import json
import os
import random
import shutil
import subprocess

from bakefiles import ROOT, need
import appcontract as app
from prebake import rules

OCTOPUS, AXLE = rules.RESIDENTIAL_COMPANIES["Octopus"], rules.RESIDENTIAL_COMPANIES["Axle"]

# The endpoint's tech values and the technologies keys each matches.
TECH = rules.TECH_FILTER_CLASSES


def group_id(text):
    """prebake's stable group id (the app's is a database key)."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:12]


def search(groups, big, params):
    """The endpoint over groups ({text: group}); params as request.GET (strings)."""
    get = params.get
    q, tech, subtype, company = get("q", ""), get("tech", ""), get("subtype", ""), get("company", "")
    show_all = "show_active" not in params
    show_active = None if show_all else get("show_active", "true").lower() == "true"
    limit = int(get("limit", 200))
    zoom = int(get("zoom", 0))
    gs = [g for g in groups.values() if g["position"] is not None]
    viewport = False
    if get("north") and get("south") and get("east") and get("west"):
        try:
            n, s, e, w = (float(get(k)) for k in ("north", "south", "east", "west"))
            gs = [g for g in gs if s <= g["position"][1] <= n and w <= g["position"][0] <= e]
            viewport = True
        except ValueError:
            pass
    if show_active is not None:
        gs = [g for g in gs if g["active"] == show_active]
    if q:
        if q.upper().startswith(("CMU", "BMU", "DSR")):
            gs = [g for g in gs if q.upper() in g["cmu_ids"]]
        else:
            for term in q.split():
                t = term.upper()
                gs = [g for g in gs if t in g["title"].upper()
                      or t in json.dumps(g["descriptions"], ensure_ascii=False).upper()]
    if tech and tech != "All":
        keys = TECH.get(tech, [tech])
        gs = [g for g in gs if any(k in g["technologies"] for k in keys)]
    if tech == "DSR" and subtype:
        if subtype == "Octopus":
            gs = [g for g in gs if OCTOPUS in g["companies"]]
        elif subtype == "Axle":
            gs = [g for g in gs if AXLE in g["companies"]]
        elif subtype == "Everything else":
            gs = [g for g in gs if OCTOPUS not in g["companies"] and AXLE not in g["companies"]]
    residential = get("residential", "")
    if residential:
        gs = [g for g in gs if residential in g["companies"]]
    elif not company and not (tech == "DSR" and subtype):
        gs = [g for g in gs if OCTOPUS not in g["companies"] and AXLE not in g["companies"]]
    if company:
        if company == "Everything else":
            gs = [g for g in gs if not any(c in big for c in g["companies"])]
        else:
            names = {company, company.upper(), company.lower(), company.title()}
            gs = [g for g in gs if any(c in g["companies"] for c in names)]
    oa = (company in (OCTOPUS, AXLE) or (tech == "DSR" and subtype in ("Octopus", "Axle"))
          or (tech == "EV Charging" and subtype in ("Octopus", "Axle")))
    total = -1 if oa else len(gs)
    if oa:
        limit = min(limit, 200 if viewport else 100)
    if zoom > 10:
        gs.sort(key=lambda g: (-g["mw"], g["title"]))
    else:
        gs.sort(key=lambda g: group_id(g["title"]))
    gs = gs[:limit]
    out = {"props": []}
    for g in gs:
        shown = g["tech"]
        if tech and tech != "All":
            shown = tech
            for name in g["technologies_order"]:
                if name == tech:
                    shown = name
                    break
                if tech == "OCGT" and "Open Cycle Gas Turbine (OCGT)" in name:
                    shown = name
                    break
                if tech == "Battery" and "Storage (Duration" in name:
                    shown = name
                    break
        out["props"].append({
            "id": group_id(g["title"]), "title": g["title"], "tech": shown,
            "company": company if company and company != "Everything else" else g["company"],
            "desc": g["desc"], "cmu": g["cmu"], "url": g["url"], "count": g["count"], "active": g["active"], "mw": g["mw"]})
    out["total"] = len(gs) if total == -1 else total
    return out


def param_sets(groups):
    """Fixed cases for every filter, then random combinations from real values."""
    located = [g for g in groups.values() if g["position"] is not None]
    companies = sorted({c for g in located for c in g["companies"]})
    words = sorted({w for g in located for w in g["title"].split() if len(w) > 3})
    cmus = sorted({c for g in located for c in g["cmu_ids"]})
    sets = [
        {}, {"show_active": "true"}, {"show_active": "false"}, {"show_active": "TRUE"}, {"show_active": ""},
        {"tech": "OCGT"}, {"tech": "Pumped Hydro"}, {"tech": "EV Charging"}, {"tech": "Battery", "zoom": "12"},
        {"tech": "Hydro"}, {"tech": "All"}, {"tech": "Storage (Duration 2h)"},
        {"tech": "DSR", "subtype": "Octopus"}, {"tech": "DSR", "subtype": "Axle"},
        {"tech": "DSR", "subtype": "Everything else"}, {"tech": "EV Charging", "subtype": "Octopus"},
        {"residential": OCTOPUS}, {"residential": AXLE, "show_active": "false"},
        {"company": OCTOPUS}, {"company": OCTOPUS, "north": "53", "south": "51", "east": "0", "west": "-3"},
        {"company": "Everything else"}, {"company": "Everything else", "zoom": "11", "limit": "1000"},
        {"q": "battery storage"}, {"q": "  "}, {"q": cmus[0].lower()}, {"q": "CMU"}, {"q": "DSR"},
        {"q": "london", "zoom": "13"}, {"q": "\""}, {"q": "\", \""},
        {"north": "52", "south": "51", "east": "0.5", "west": "-1"}, {"north": "52", "south": "51", "east": "x", "west": "-1"},
        {"north": "52", "south": "", "east": "0.5", "west": "-1"}, {"limit": "5"}, {"limit": "0"}, {"zoom": "11"},
    ]
    for c in companies[:40:4]:
        sets += [{"company": c.lower()}, {"company": c.title()}]
    r = random.Random(12)
    while len(sets) < 400:
        p = {}
        if r.random() < 0.3:
            p["q"] = " ".join(r.sample(words, r.choice([1, 1, 2])))
        if r.random() < 0.4:
            p["tech"] = r.choice(list(TECH) + ["Pumped Hydro", "All"])
            if p["tech"] == "DSR" and r.random() < 0.5:
                p["subtype"] = r.choice(["Octopus", "Axle", "Everything else", "Other"])
        if r.random() < 0.2:
            p["company"] = r.choice(companies + ["Everything else"])
        if r.random() < 0.1:
            p["residential"] = r.choice([OCTOPUS, AXLE])
        if r.random() < 0.5:
            p["show_active"] = r.choice(["true", "false"])
        if r.random() < 0.5:
            lat, lng, h = 50 + 8 * r.random(), -6 + 7 * r.random(), 4 * r.random()
            p.update({"north": str(lat + h), "south": str(lat - h), "east": str(lng + 2 * h), "west": str(lng - 2 * h)})
        p["zoom"] = str(r.randint(4, 16))
        if r.random() < 0.3:
            p["limit"] = str(r.choice([10, 50, 500, 5000]))
        sets.append(p)
    return sets


def test_group_filters_match_the_endpoint(bake, register, tmp_path):
    node = shutil.which("node")
    need(node is not None, "needs node to run js/src/groups.mjs")
    groups = app.location_groups(register)
    located = [g for g in groups.values() if g["position"] is not None]
    counts = {}
    for g in groups.values():
        for c in g["companies"]:
            counts[c] = counts.get(c, 0) + 1
    big = {c for c, n in counts.items() if c and n > 7}
    sets = param_sets(groups)
    params = tmp_path / "params.json"
    params.write_text(json.dumps(sets))
    man = bake["manifest"]["assets"]
    p = subprocess.run([node, os.path.join(ROOT, "js", "test", "groups-filter-run.mjs"),
                        os.path.join(bake["dir"], man["locations/groups/all.geojson"]["path"]),
                        os.path.join(bake["dir"], man["locations/company_list.json"]["path"]), str(params)],
                       capture_output=True, text=True)
    assert p.returncode == 0, p.stderr[-3000:]
    got = json.loads(p.stdout)
    assert len(got) == len(sets)
    bad, shown = [], 0
    for params_, g in zip(sets, got):
        want = search(groups, big, params_)
        shown += len(want["props"])
        if g != want:
            bad.append((params_, {k: (g.get(k), want[k]) for k in want if g.get(k) != want[k]}))
    assert not bad, "%d of %d parameter sets differ; first: %r" % (len(bad), len(sets), str(bad[0])[:3000])
    # The cases must exercise the filters: most sets find groups, none finds all.
    assert shown > 20 * len(sets) and len(located) > 1000
