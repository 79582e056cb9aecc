"""Web pages for visitors: search (list), clinic detail. Server-rendered, no third-party requests."""

from __future__ import annotations

import math

from flask import Blueprint, abort, render_template, request

from katdir.filters import BY_NAME, FILTERS
from katdir.geo import KM_PER_MILE
from katdir.model import CONDITIONS, ROUTE_LABELS, ROUTES
from search_api import resources, service
from search_api.params import BadParameter

bp = Blueprint("pages", __name__)


MAP_SIZE = 320  # px; the map is drawn here, so no tile server learns what anyone searched


def map_points(page: dict) -> list[dict]:
    """Results placed on a square map centred on the origin whose edge is the radius."""
    origin_lat, origin_lon = page["origin"]["lat"], page["origin"]["lon"]
    radius_km = page["radius"]["value"] * (KM_PER_MILE if page["radius"]["unit"] == "mi" else 1)
    scale = (MAP_SIZE / 2 - 12) / radius_km
    points = []
    for rank, clinic in enumerate(page["results"], 1):
        loc = clinic["location"]
        dx = (loc["lon"] - origin_lon) * 111.32 * math.cos(math.radians(origin_lat))
        dy = (loc["lat"] - origin_lat) * 110.57
        points.append({"x": round(MAP_SIZE / 2 + dx * scale, 1),
                       "y": round(MAP_SIZE / 2 - dy * scale, 1),
                       "rank": rank, "name": clinic["name"], "id": clinic["id"]})
    return points


@bp.get("/")
def index():
    args = request.args.copy()
    for name in [k for k, v in args.items() if v == ""]:
        args.pop(name)
    page, error = None, None
    if args:
        try:
            page = service.search(args, store=resources.store(), geocoder=resources.geocoder())
        except BadParameter as err:
            error = err.message
    points = map_points(page) if page and page["results"] else []
    # The form's filter controls come from the declarations (templates/filter_controls.html).
    return render_template("index.html", page=page, error=error, args=request.args,
                           search_filters=FILTERS, sort_parameter=BY_NAME["sort"],
                           points=points, map_size=MAP_SIZE,
                           routes=ROUTES, route_labels=ROUTE_LABELS, conditions=CONDITIONS)


@bp.get("/clinics/<clinic_id>")
def clinic(clinic_id: str):
    found = resources.store().get(clinic_id)
    if found is None or not found.is_public:
        abort(404)
    return render_template("clinic.html", clinic=found, route_labels=ROUTE_LABELS)
