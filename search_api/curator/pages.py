"""The curators' pages under /curator: log in, the queue, a clinic's review page, sources.

Session login (secure, HTTP-only, SameSite cookies), CSRF on every form (Flask-WTF), a lock
after repeated wrong passwords (katdir.curator.accounts), and keyboard shortcuts
(static/curator.js) so a page of the queue can be triaged without the mouse.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    abort,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)

from katdir.curator import decisions, sources
from katdir.curator import requests as public_requests
from katdir.curator.accounts import LoginRefused, Principal, log_in
from katdir.curator.queue import QUEUE_REASONS, QueueFilters, board
from katdir.curator.redflags import FLAGS, price_medians, red_flags
from katdir.model import CURATED_FACTS, REVIEW_STATUSES, ROUTE_LABELS
from search_api import resources
from search_api.curator import forms
from search_api.curator.auth import session_principal

bp = Blueprint(
    "curator",
    __name__,
    url_prefix="/curator",
    template_folder="templates",
    static_folder="static",
    static_url_path="/static",
)


@bp.before_request
def _require_login():
    if request.endpoint in ("curator.login", "curator.static"):
        return None
    principal = session_principal()
    if principal is None:
        return redirect(url_for("curator.login", next=request.path))
    request.principal = principal  # type: ignore[attr-defined]
    return None


@bp.after_request
def _private(response):
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Frame-Options"] = "DENY"
    return response


def me() -> Principal:
    return request.principal  # type: ignore[attr-defined]


def _safe_next(target: str | None) -> str:
    """Only a path of this site (no open redirect)."""
    if target and target.startswith("/curator") and not urlsplit(target).netloc:
        return target
    return url_for("curator.queue")


@bp.route("/login", methods=["GET", "POST"])
def login():
    form = forms.LoginForm()
    error = None
    status = 200
    if form.validate_on_submit():
        try:
            principal = log_in(resources.store(), form.email.data, form.password.data)
        except LoginRefused as err:
            error, status = str(err), 401
        else:
            session.clear()  # a fresh session: nothing carried over from before the login
            session.permanent = True
            session["curator"] = principal.email
            return redirect(_safe_next(request.args.get("next")))
    elif request.method == "POST":
        error, status = "The form expired or is incomplete: please try again.", 400
    return render_template("curator/login.html", form=form, error=error), status


@bp.post("/logout")
def logout():
    if not forms.PostForm().validate_on_submit():
        abort(400)
    session.clear()
    return redirect(url_for("curator.login"))


def _filters() -> QueueFilters:
    args = request.args

    def choice(name: str, allowed) -> str | None:
        value = args.get(name) or None
        return value if value in allowed else None

    age = args.get("min_age", "")
    page = args.get("page", "")
    return QueueFilters(
        reason=choice("reason", QUEUE_REASONS),
        state=choice("state", REVIEW_STATUSES),
        source=(args.get("source") or None) and args["source"][:200],
        min_age_days=int(age) if age.isdigit() and len(age) < 6 else None,
        flag=choice("flag", FLAGS),
        page=int(page) if page.isdigit() and 0 < int(page) < 10000 else 1,
    )


@bp.get("/")
def queue():
    filters = _filters()
    found = board(resources.store(), filters)
    return render_template(
        "curator/queue.html",
        board=found,
        filters=filters,
        reasons=QUEUE_REASONS,
        states=REVIEW_STATUSES,
        flags=FLAGS,
        me=me(),
        logout=forms.PostForm(),
    )


def _next_clinic(after: str) -> str | None:
    entries = board(resources.store(), QueueFilters(per_page=100))["entries"]
    ids = [e["clinic_id"] for e in entries]
    if after in ids:
        ids = ids[ids.index(after) + 1 :] + ids[: ids.index(after)]
    return next((cid for cid in ids if cid != after), None)


def _fact_rows(state: dict[str, Any]) -> list[dict[str, Any]]:
    clinic = state["clinic"]
    evidence = clinic.get("evidence") or {}
    rows = []
    for name in CURATED_FACTS:
        quotes = [dict(e) for e in evidence.get(name, [])]
        if name == "prices":
            quotes += [
                {"quote": p["quote"], "url": p.get("source_url")}
                for p in clinic["prices"]
                if p.get("quote")
            ]
        rows.append(
            {
                "field": name,
                "value": clinic.get(name),
                "overridden": name in (clinic.get("overrides") or {})
                or any(p.split(".")[0] == name for p in clinic.get("overrides") or {}),
                "crawled": state["crawled"].get(name),
                "quotes": quotes,
            }
        )
    return rows


def _diff(state: dict[str, Any]) -> list[dict[str, Any]]:
    """The clinic's unreviewed crawled changes, field by field: approved value → crawled now."""
    return [
        {
            "field": c["field"],
            "approved": c.get("old"),
            "crawled": c.get("new"),
            "at": c.get("at"),
            "source_url": c.get("source_url"),
            "note": c.get("note"),
        }
        for c in state["clinic"].get("changes") or []
    ]


def _review_page(clinic_id: str, *, error: str | None = None, status: int = 200):
    store = resources.store()
    try:
        state = decisions.clinic_state(store, clinic_id)
    except decisions.ClinicNotFound:
        abort(404)
    clinic = store.get(clinic_id)
    medians = price_medians(c for c in store.iter_clinics() if c.is_public)
    version = state["version"]
    merged_here = [d.clinic_id for d in store.iter_decisions() if d.merged_into == clinic_id]
    open_requests = public_requests.list_requests(store, clinic_id=clinic_id, status="open")
    page = render_template(
        "curator/clinic.html",
        state=state,
        clinic=clinic,
        facts=_fact_rows(state),
        diff=_diff(state),
        flags=red_flags(clinic, medians),
        requests=open_requests,
        merged_here=merged_here,
        error=error,
        me=me(),
        route_labels=ROUTE_LABELS,
        next_id=_next_clinic(clinic_id),
        history=list(reversed(state["history"]))[:50],
        review_form=forms.ReviewForm(formdata=None, version=version, status="approved"),
        correct_form=forms.CorrectForm(formdata=None, version=version),
        close_form=forms.CloseForm(formdata=None, version=version),
        merge_form=forms.MergeForm(formdata=None, version=version),
        split_form=forms.SplitForm(formdata=None, version=version),
        resolve_form=forms.ResolveForm(formdata=None),
        logout=forms.PostForm(),
        json=json,
    )
    return page, status


@bp.get("/clinics/<clinic_id>")
def clinic(clinic_id: str):
    return _review_page(clinic_id)


def _decide(clinic_id: str, form, action) -> Any:
    """Run one decision from a posted form; a stale version shows the page as it is now."""
    if not form.validate_on_submit():
        problems = "; ".join(f"{name}: {', '.join(errs)}" for name, errs in form.errors.items())
        return _review_page(clinic_id, error=f"Not saved — {problems}", status=400)
    try:
        action(form)
    except decisions.StaleVersion:
        return _review_page(
            clinic_id,
            status=409,
            error=(
                "Not saved: someone changed this clinic while you were looking. This is the "
                "current state — check it and decide again."
            ),
        )
    except decisions.CurationError as err:
        return _review_page(clinic_id, error=f"Not saved — {err.message}", status=400)
    except decisions.ClinicNotFound:
        abort(404)
    if request.form.get("then") == "next":
        following = _next_clinic(clinic_id)
        if following:
            return redirect(url_for("curator.clinic", clinic_id=following))
        return redirect(url_for("curator.queue"))
    return redirect(url_for("curator.clinic", clinic_id=clinic_id))


@bp.post("/clinics/<clinic_id>/review")
def review(clinic_id: str):
    return _decide(
        clinic_id,
        forms.ReviewForm(),
        lambda f: decisions.review(
            resources.store(),
            clinic_id,
            status=f.status.data,
            note=f.note.data,
            version=f.version.data,
            by=me().email,
        ),
    )


def _value(text: str) -> Any:
    """A corrected value: JSON when it parses (lists, true/false, numbers), else the text."""
    text = (text or "").strip()
    if not text:
        return None
    try:
        return json.loads(text)
    except (ValueError, RecursionError):  # RecursionError: nested deeper than json can read
        return text


@bp.post("/clinics/<clinic_id>/correct")
def correct(clinic_id: str):
    return _decide(
        clinic_id,
        forms.CorrectForm(),
        lambda f: decisions.correct(
            resources.store(),
            clinic_id,
            overrides={f.field.data.strip(): _value(f.value.data)},
            note=f.note.data,
            version=f.version.data,
            by=me().email,
        ),
    )


@bp.post("/clinics/<clinic_id>/close")
def close(clinic_id: str):
    def act(f):
        if f.request_id.data and resources.store().get_record("request", f.request_id.data) is None:
            raise decisions.CurationError("request_id", "request_id: no such request")
        decisions.close(
            resources.store(),
            clinic_id,
            reason=f.reason.data,
            note=f.note.data,
            version=f.version.data,
            by=me().email,
        )
        if f.request_id.data:
            public_requests.resolve(
                resources.store(),
                f.request_id.data,
                status="accepted",
                note=f.note.data,
                by=me().email,
            )

    return _decide(clinic_id, forms.CloseForm(), act)


@bp.post("/clinics/<clinic_id>/merge")
def merge(clinic_id: str):
    return _decide(
        clinic_id,
        forms.MergeForm(),
        lambda f: decisions.merge(
            resources.store(),
            clinic_id,
            other_id=f.other_id.data.strip(),
            note=f.note.data,
            version=f.version.data,
            by=me().email,
        ),
    )


@bp.post("/clinics/<clinic_id>/split")
def split(clinic_id: str):
    urls = request.form.getlist("source_url") or None
    return _decide(
        clinic_id,
        forms.SplitForm(),
        lambda f: decisions.split(
            resources.store(),
            clinic_id,
            other_id=f.other_id.data or None,
            note=f.note.data,
            version=f.version.data,
            by=me().email,
            source_urls=urls,
        ),
    )


@bp.post("/requests/<request_id>/resolve")
def resolve(request_id: str):
    form = forms.ResolveForm()
    record = resources.store().get_record("request", request_id)
    if record is None:
        abort(404)
    if form.validate_on_submit():
        try:
            public_requests.resolve(
                resources.store(),
                request_id,
                status=form.status.data,
                note=form.note.data,
                by=me().email,
            )
        except decisions.CurationError as err:
            flash(err.message)
    else:
        abort(400)
    return redirect(url_for("curator.clinic", clinic_id=record.doc["clinic_id"]))


@bp.route("/sources", methods=["GET", "POST"])
def source_list():
    form = forms.SourceForm()
    error, status = None, 200
    if request.method == "POST":
        if form.validate_on_submit():
            try:
                sources.add_source(
                    resources.store(),
                    url=form.url.data,
                    kind=form.kind.data,
                    interval_hours=form.interval_hours.data,
                    by=me().email,
                    allow_private=resources.settings().allow_private_hosts,
                )
                return redirect(url_for("curator.source_list"))
            except decisions.CurationError as err:
                error, status = err.message, 400
        else:
            error, status = "; ".join(f"{k}: {', '.join(v)}" for k, v in form.errors.items()), 400
    return render_template(
        "curator/sources.html",
        sources=sources.list_sources(resources.store()),
        form=form,
        crawl_form=forms.PostForm(),
        error=error,
        me=me(),
        logout=forms.PostForm(),
    ), status


@bp.post("/sources/<source_id>/crawl")
def crawl_source(source_id: str):
    if not forms.PostForm().validate_on_submit():
        abort(400)
    try:
        sources.request_crawl(resources.store(), source_id)
    except decisions.CurationError:
        abort(404)
    return redirect(url_for("curator.source_list"))
