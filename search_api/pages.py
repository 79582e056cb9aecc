"""Web pages for visitors: the search (form, numbered list and map), a clinic's page, "what to
expect", and error pages in the site's style. Server-rendered; the map is drawn from files this
site serves, so no third party learns what anyone searched."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

import orjson
from flask import Blueprint, abort, current_app, render_template, request
from werkzeug.datastructures import MultiDict

from katdir.filters import BY_NAME, FILTERS
from katdir.model import Clinic
from katdir.pricing import series_cost, session_price
from search_api import answers, resources, service
from search_api.params import BadParameter

bp = Blueprint("pages", __name__)

RADII_MI = (5, 10, 25, 50, 100, 250, 500)


def search_args() -> MultiDict:
    """The visitor's search as given, without the empty fields a form submits."""
    args = MultiDict()
    for name, value in request.args.items(multi=True):
        if value.strip() != "":
            args.add(name, value)
    return args


def search_url(args: MultiDict, **changes: Any) -> str:
    """The search page for `args` with some parameters changed (None drops one)."""
    kept = MultiDict(
        [(k, v) for k, v in args.items(multi=True) if k not in changes and k != "page"]
    )
    for name, value in changes.items():
        if value is not None:
            kept.add(name, value)
    return "/?" + urlencode(list(kept.items(multi=True)))


def active_filters(args: MultiDict) -> list[tuple[str, str]]:
    """(filter label, URL of the same search without it) for each filter given."""
    return [(f.label, search_url(args, **{f.name: None})) for f in FILTERS if f.name in args]


def map_settings() -> dict[str, Any]:
    """What the map script needs from the operator: a tile URL, if one is set (off by
    default: then the basemap is the outlines this site serves)."""
    settings = current_app.extensions["katdir.settings"]
    return {"tiles": settings.map_tile_url, "attribution": settings.map_tile_attribution}


def said_for_people(err: BadParameter) -> str:
    """A bad parameter in a visitor's words (the API's message is for programmers)."""
    if err.parameter == "near" and err.value and "not a place" in err.message:
        return (
            f"We could not find the place “{err.value}”. Try a 5-digit ZIP code, or a "
            "town and its state such as “Denver, CO”."
        )
    if err.parameter == "near" and not err.value:
        return "Please say where to search: a ZIP code, or a town and its state."
    parameter = BY_NAME.get(err.parameter)
    label = parameter.label if parameter else err.parameter
    if err.value is None:
        return f"“{label}” is missing: {err.accepted}."
    return f"“{label}” cannot be “{err.value}”: it takes {err.accepted}."


@bp.get("/")
def index():
    args = search_args()
    page, error, choices, status = None, None, None, 200
    if args:
        try:
            page = orjson.loads(answers.search(args).body)
        except service.AmbiguousPlace as err:
            choices = [(c["label"], search_url(args, near=c["label"])) for c in err.candidates]
        except BadParameter as err:
            error, status = err, 400
    # The form's filter controls come from the declarations (templates/filter_controls.html).
    return render_template(
        "index.html",
        page=page,
        error=error,
        choices=choices,
        args=args,
        routes_asked=[
            w.strip().lower() for v in args.getlist("route") for w in v.split(",") if w.strip()
        ]
        if page
        else [],
        error_text=said_for_people(error) if error else None,
        filter_names=[f.name for f in FILTERS],
        search_filters=FILTERS,
        sort_parameter=BY_NAME["sort"],
        radii=RADII_MI,
        search_url=lambda **changes: search_url(args, **changes),
        active_filters=active_filters(args),
        map=map_settings(),
    ), status


@bp.get("/clinics/<clinic_id>")
def clinic(clinic_id: str):
    found = resources.store().get(clinic_id)
    if found is None or not found.is_public:
        abort(
            404,
            description="There is no clinic at this address in the directory: it may "
            "have closed, moved, or been removed at its own request.",
        )
    return render_template(
        "clinic.html", clinic=found, by_route=prices_by_route(found), map=map_settings()
    )


def prices_by_route(clinic: Clinic) -> list[dict[str, Any]]:
    """Per route the clinic gives (and 'route not stated'): its prices, the price of a session
    and of an initial series, as the search would answer for that route."""
    sections = []
    for route in [*clinic.routes, None]:
        if route is None:
            prices = [p for p in clinic.prices if p.route is None]
            if not prices or len(clinic.routes) == 1:
                continue  # a single-route clinic's route-less prices are shown with its route
        else:
            prices = [
                p
                for p in clinic.prices
                if p.route == route or (p.route is None and clinic.routes == [route])
            ]
        routes = (route,) if route else ()
        sections.append(
            {
                "route": route,
                "prices": prices,
                "session": session_price(clinic, routes) if route else None,
                "series": series_cost(clinic, routes) if route else None,
            }
        )
    stray = [p for p in clinic.prices if p.route is not None and p.route not in clinic.routes]
    if stray:
        sections.append({"route": None, "prices": stray, "session": None, "series": None})
    return sections


@bp.get("/what-to-expect")
def what_to_expect():
    return render_template("what_to_expect.html")
