"""The public's requests: "suggest a correction" and "remove my clinic", one form each per
clinic page. No account, no cookie, nothing kept about who sent it (not even the IP: the rate
limiter of search_api/limits.py counts hashed addresses); a honeypot field turns bots away
quietly."""

from __future__ import annotations

from flask import Blueprint, abort, render_template

from katdir.curator import requests as public_requests
from katdir.curator.decisions import CurationError
from search_api import resources
from search_api.curator.forms import PublicRequestForm

bp = Blueprint("clinic_requests", __name__)
TITLES = {"correction": "Suggest a correction", "removal": "Remove my clinic"}


def _page(clinic_id: str, kind: str):
    clinic = resources.store().get(clinic_id)
    if clinic is None or not clinic.is_public:
        abort(404)
    form = PublicRequestForm()
    sent, error, status = False, None, 200
    if form.is_submitted():
        if not form.validate():
            error, status = "; ".join(f"{k}: {', '.join(v)}" for k, v in form.errors.items()), 400
        elif form.website.data:
            sent = True  # a bot filled the honeypot: thank it, keep nothing
        else:
            try:
                public_requests.submit(
                    resources.store(),
                    clinic_id=clinic_id,
                    kind=kind,
                    message=form.message.data,
                    contact=form.contact.data,
                )
                sent = True
            except CurationError as err:
                error, status = err.message, 400
    return render_template(
        "curator/public_request.html",
        clinic=clinic,
        form=form,
        kind=kind,
        title=TITLES[kind],
        sent=sent,
        error=error,
    ), status


@bp.route("/clinics/<clinic_id>/correction", methods=["GET", "POST"])
def correction(clinic_id: str):
    return _page(clinic_id, "correction")


@bp.route("/clinics/<clinic_id>/removal", methods=["GET", "POST"])
def removal(clinic_id: str):
    return _page(clinic_id, "removal")
