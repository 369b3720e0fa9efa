"""The web app's rules that prebake applies in Go, Python and JS, read from the
packaged ``prebake/data/app_rules.json``: the file ``internal/apprules``
embeds in the Go binary and ``js/src/rules.mjs`` is generated from (its
``about`` states each rule's meaning and its source in the app). Each
constant below is that file's key, upper-cased; ``python/tests/test_rules.py``
fails when this module, or the code that uses it, disagrees with the file.

=========================  ====================================================
constant                   value
=========================  ====================================================
``TECH_PRIORITY``          {technologies key: priority}; lowest is a group's tech
``TECH_PRIORITY_DEFAULT``  the priority of an unlisted key (999)
``PSEUDO_TECHNOLOGIES``    [{"name", "patterns"}]: keys a group gains from its descriptions
``CATEGORY_EXACT``         {raw class: category}, tried first
``CATEGORY_KEYWORDS``      [(keyword, category)], in order, whole words
``TECH_FILTER_CLASSES``    {search-map ``tech`` value: [technologies keys]}
``RESIDENTIAL_COMPANIES``  {DSR subtype ("Axle", "Octopus"): company name}
``ACTIVE_AUCTION_YEARS``   ["2024-25", ...]: an auction naming one makes a group active
``QUOTE_SAFE``             the characters besides ASCII letters and digits URLs keep
``URL_TEMPLATES``          {"location", "company", "component"}: page URL templates
``DESCRIPTION_MAX``        a group's ``desc`` cut, in characters (100)
``UNKNOWN_LOCATION``       the title of a component without location text
=========================  ====================================================
"""

from __future__ import annotations

import json
from importlib import resources
from typing import Any
from urllib.parse import quote as _quote


def rules_json() -> bytes:
    """The bytes of the packaged ``app_rules.json``."""
    return resources.files("prebake").joinpath("data/app_rules.json").read_bytes()


_RULES: dict[str, Any] = json.loads(rules_json())

TECH_PRIORITY: dict[str, int] = _RULES["tech_priority"]
TECH_PRIORITY_DEFAULT: int = _RULES["tech_priority_default"]
PSEUDO_TECHNOLOGIES: list[dict[str, Any]] = _RULES["pseudo_technologies"]
CATEGORY_EXACT: dict[str, str] = _RULES["category_exact"]
CATEGORY_KEYWORDS: list[tuple[str, str]] = [(k["keyword"], k["category"]) for k in _RULES["category_keywords"]]
TECH_FILTER_CLASSES: dict[str, list[str]] = _RULES["tech_filter_classes"]
RESIDENTIAL_COMPANIES: dict[str, str] = _RULES["residential_companies"]
ACTIVE_AUCTION_YEARS: list[str] = _RULES["active_auction_years"]
QUOTE_SAFE: str = _RULES["quote_safe"]
URL_TEMPLATES: dict[str, str] = _RULES["url_templates"]
DESCRIPTION_MAX: int = _RULES["description_max"]
UNKNOWN_LOCATION: str = _RULES["unknown_location"]


def quote(text: str) -> str:
    """``text`` as the app's URLs quote it: ``urllib.parse.quote(text, safe="")``,
    every UTF-8 byte but ASCII letters, digits and ``QUOTE_SAFE`` as ``%XX``
    (``QUOTE_SAFE`` is quote's own always-safe set, so passing it changes nothing
    today; it keeps the file the one statement of the set). Raises
    ``UnicodeEncodeError`` for a lone surrogate, as quote does."""
    return _quote(text, safe=QUOTE_SAFE)


def location_url(text: str) -> str:
    """The app's location page of a location text (``/location/by-name/<quoted>/``)."""
    return URL_TEMPLATES["location"].replace("{location}", quote(text), 1)


def company_url(company_id: str) -> str:
    """The app's page of a ``company_id`` (``/company-list/<quoted>/``)."""
    return URL_TEMPLATES["company"].replace("{company_id}", quote(company_id), 1)


def component_url(component_id: int) -> str:
    """The app's page of a component by register id (``/component/by-id/<id>/``)."""
    return URL_TEMPLATES["component"].replace("{id}", str(component_id), 1)


def primary_tech(technologies: dict[str, int] | list[str]) -> str:
    """``LocationGroup.get_primary_technology``: the technologies key with the
    lowest ``TECH_PRIORITY`` (an unlisted key ``TECH_PRIORITY_DEFAULT``; the
    first in key order among equals), ``"Unknown"`` when there is none."""
    tech, best = "Unknown", 0
    for i, k in enumerate(technologies):
        prio = TECH_PRIORITY.get(k, TECH_PRIORITY_DEFAULT)
        if i == 0 or prio < best:
            tech, best = k, prio
    return tech


def short_description(text: str) -> str:
    """A group's ``desc``: ``text`` when at most ``DESCRIPTION_MAX`` characters,
    else its first ``DESCRIPTION_MAX`` and ``"..."``."""
    return text[:DESCRIPTION_MAX] + ("..." if len(text) > DESCRIPTION_MAX else "")
