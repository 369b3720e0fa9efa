"""prebake.rules is internal/apprules/app_rules.json, and the code that applies
the app's rules (lookups, the conformance restatement) follows it: each test
derives its cases from the file, so a rule changed in the file and not in the
code (or the other way round) fails here."""

from __future__ import annotations

import json
import string
from pathlib import Path
from urllib.parse import quote

from prebake import rules
from prebake.lookups import group_properties, rebuild_detail

ROOT = Path(__file__).resolve().parents[2]
FILE = ROOT / "internal" / "apprules" / "app_rules.json"


def test_packaged_file_is_the_go_one() -> None:
    assert rules.rules_json() == FILE.read_bytes()
    doc = json.loads(FILE.read_bytes())
    names = {k for k in vars(rules) if k.isupper() and not k.startswith("_")}
    assert names == {k.upper() for k in doc if k != "about"}
    for k, v in doc.items():
        if k == "about":
            continue
        got = getattr(rules, k.upper())
        if k == "category_keywords":
            got = [{"keyword": a, "category": b} for a, b in got]
        assert got == v, k


def test_quote_keeps_exactly_the_safe_set() -> None:
    """Every ASCII character: kept when a letter, digit or in QUOTE_SAFE, else
    %XX; and the same as the app's quote(text, safe="") for ASCII and beyond."""
    for i in range(128):
        c = chr(i)
        keep = c in string.ascii_letters + string.digits + rules.QUOTE_SAFE
        assert rules.quote(c) == (c if keep else "%%%02X" % i), repr(c)
        assert rules.quote(c) == quote(c, safe="")
    for s in ["Dinorwig/Llanberis, LL55 4UR", "é😀", "St. John's (Rd) *!~", "a\nb", ""]:
        assert rules.quote(s) == quote(s, safe="")


def test_urls_follow_the_templates() -> None:
    t = rules.URL_TEMPLATES
    assert rules.location_url("a/b c") == t["location"].replace("{location}", "a%2Fb%20c")
    assert rules.company_url("a&b") == t["company"].replace("{company_id}", "a%26b")
    assert rules.component_url(42) == t["component"].replace("{id}", "42")
    # A replacement that looks like a placeholder stays as it is.
    assert rules.location_url("{location}") == t["location"].replace("{location}", "%7Blocation%7D")


def test_primary_tech_follows_the_priorities() -> None:
    prio = rules.TECH_PRIORITY
    for a, pa in prio.items():
        assert rules.primary_tech(["Unlisted class", a]) == a
        for b, pb in prio.items():
            if pa < pb:
                assert rules.primary_tech([a, b]) == a and rules.primary_tech({b: 1, a: 2}) == a
            elif pa == pb:
                assert rules.primary_tech([a, b]) == a
    assert rules.primary_tech([]) == "Unknown"


def test_lookups_follow_the_file() -> None:
    """group_properties and rebuild_detail build tech, desc, url, title and
    detailUrl by the file's rules."""
    low = min(rules.TECH_PRIORITY, key=lambda k: rules.TECH_PRIORITY[k])
    desc = "é" * (rules.DESCRIPTION_MAX + 1)
    f = {"properties": {"id": "x", "title": "1/2 Road", "technologies": {"Zzz": 1, low: 1}, "companies": {"A": 1},
                        "descriptions": [desc], "cmu_ids": ["C"], "auctions": [0], "count": 2, "active": True, "mw": 1.0,
                        "capacity_confidence": "high"}}
    p = group_properties(f, ["2024-25 (T-1)"])
    assert p["tech"] == low
    assert p["desc"] == desc[: rules.DESCRIPTION_MAX] + "..."
    assert p["url"] == rules.URL_TEMPLATES["location"].replace("{location}", quote("1/2 Road", safe=""))
    lists = {"fields": ["id", "location", "technology", "display_technology", "company", "company_id", "description",
                        "delivery_year", "auction_name", "cmu_id", "derated_capacity_mw"],
             "strings": [], "lists": [[[7] + [None] * 10]]}
    d = rebuild_detail(lists, 0, 7)["data"]
    assert d["title"] == rules.UNKNOWN_LOCATION and d["detailUrl"] == rules.URL_TEMPLATES["component"].replace("{id}", "7")


def test_django_views_take_the_rules() -> None:
    """The Django views (prebake.django.views, views_data) apply the file's
    quoting, URLs, residential companies, tech filter classes and category
    tables, not copies of their own."""
    from prebake.django import views, views_data

    doc = json.loads(FILE.read_bytes())
    assert views_data.RESIDENTIAL == tuple(doc["residential_companies"].values())
    assert (views._OCTOPUS, views._AXLE) == (doc["residential_companies"]["Octopus"], doc["residential_companies"]["Axle"])
    assert views_data._EXACT == doc["category_exact"]
    assert [{"keyword": k, "category": c} for k, c in views_data._KEYWORDS] == doc["category_keywords"]
    for i in range(128):
        c = chr(i)
        assert views._quote(c + "é" + c) == rules.quote(c + "é" + c), repr(c)
    for text in ["Dinorwig/Llanberis, LL55 4UR", "St. John's (Rd) *!~", "{location}"]:
        assert views._location_url(text, 7) == rules.location_url(text)
    assert views._location_url(None, 7) == doc["url_templates"]["component"].replace("{id}", "7")
    for name, cat in doc["category_exact"].items():
        assert views_data.simplified_technology(name) == cat
