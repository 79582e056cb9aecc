"""The curators' forms (Flask-WTF: every one carries a CSRF token) and the public request forms
(no session and so no CSRF cookie for visitors: a honeypot field and a rate limit instead)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import (
    EmailField,
    HiddenField,
    IntegerField,
    PasswordField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
)
from wtforms.widgets import HiddenInput

from katdir.curator.decisions import MAX_NOTE
from katdir.curator.requests import MAX_CONTACT, MAX_MESSAGE
from katdir.curator.sources import (
    DEFAULT_INTERVAL_H,
    MAX_INTERVAL_H,
    MAX_URL,
    MIN_INTERVAL_H,
)
from katdir.model import REVIEW_STATUSES


class LoginForm(FlaskForm):
    email = EmailField("Email", validators=[DataRequired(), Length(max=254)])
    password = PasswordField("Password", validators=[DataRequired(), Length(max=1024)])


class PostForm(FlaskForm):
    """A button that only needs the CSRF token (log out, request a crawl, split)."""


class _Versioned(FlaskForm):
    version = IntegerField(widget=HiddenInput(), validators=[InputRequired()])
    note = TextAreaField("Note", validators=[Optional(), Length(max=MAX_NOTE)])


class ReviewForm(_Versioned):
    status = SelectField("Decision", choices=list(REVIEW_STATUSES), validators=[DataRequired()])


class CorrectForm(_Versioned):
    field = StringField(
        "Field (e.g. phone, address.street)", validators=[DataRequired(), Length(max=100)]
    )
    value = TextAreaField(
        'Corrected value (text, or JSON such as ["iv"] or true)', validators=[Length(max=5000)]
    )


class CloseForm(_Versioned):
    reason = SelectField(
        "Listing",
        choices=[
            SelectChoice("closed", "closed for good"),
            SelectChoice("removed", "removed at the clinic's request"),
            SelectChoice("listed", "listed again"),
        ],
    )
    request_id = HiddenField()


class MergeForm(_Versioned):
    other_id = StringField("Duplicate clinic id", validators=[DataRequired(), Length(max=200)])


class SplitForm(_Versioned):
    other_id = HiddenField()


class ResolveForm(FlaskForm):
    status = SelectField(
        "Request",
        choices=[SelectChoice("accepted", "done"), SelectChoice("dismissed", "dismissed")],
    )
    note = TextAreaField("Note", validators=[Optional(), Length(max=MAX_NOTE)])


class SourceForm(FlaskForm):
    url = StringField(
        "Site or directory profile URL", validators=[DataRequired(), Length(max=MAX_URL)]
    )
    kind = SelectField(
        "Kind",
        choices=[
            SelectChoice("clinic_site", "a clinic's own site"),
            SelectChoice("directory", "a directory profile"),
        ],
    )
    interval_hours = IntegerField(
        "Re-crawl every (hours)",
        default=DEFAULT_INTERVAL_H,
        validators=[NumberRange(MIN_INTERVAL_H, MAX_INTERVAL_H)],
    )


class PublicRequestForm(FlaskForm):
    class Meta:
        csrf = False  # visitors get no cookie; the honeypot and the rate limit guard this form

    message = TextAreaField("What should change?", validators=[Length(max=MAX_MESSAGE)])
    contact = StringField(
        "How can we reach you? (optional)", validators=[Optional(), Length(max=MAX_CONTACT)]
    )
    # Hidden from people by CSS and aria-hidden; bots fill it in.
    website = StringField("Leave this empty", validators=[Length(max=200)])


__all__ = [
    "CloseForm",
    "CorrectForm",
    "LoginForm",
    "MergeForm",
    "PostForm",
    "PublicRequestForm",
    "ResolveForm",
    "ReviewForm",
    "SourceForm",
    "SplitForm",
]
