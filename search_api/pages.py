"""Web pages for visitors: search (list), clinic detail. Server-rendered, no third-party requests."""

from __future__ import annotations

from flask import Blueprint, abort, render_template, request

from katdir.model import CONDITIONS, ROUTE_LABELS, ROUTES
from search_api import resources
from search_api.api import near_query, resolve_origin, result_page
from search_api.params import BadParameter, parse_search

bp = Blueprint("pages", __name__)


@bp.get("/")
def index():
    args = request.args.copy()
    for name in [k for k, v in args.items() if v == ""]:
        args.pop(name)
    page, error = None, None
    if args:
        try:
            params = parse_search(args)
            origin = resolve_origin(params)
            page = result_page(params, origin, resources.store().search(near_query(params, origin)))
        except BadParameter as err:
            error = err.message
    return render_template("index.html", page=page, error=error, args=request.args,
                           routes=ROUTES, route_labels=ROUTE_LABELS, conditions=CONDITIONS)


@bp.get("/clinics/<clinic_id>")
def clinic(clinic_id: str):
    found = resources.store().get(clinic_id)
    if found is None or not found.is_public:
        abort(404)
    return render_template("clinic.html", clinic=found, route_labels=ROUTE_LABELS)
