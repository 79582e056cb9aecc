from __future__ import annotations

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
if str(ROOT) not in sys.path:  # the repository root, when pytest is run without configuration
    sys.path.insert(0, str(ROOT))

from crawler.extract import extract_page  # noqa: E402

from .helpers import CLINIC_URL, clinic_page  # noqa: E402


@pytest.fixture
def extract():
    """Extract a snippet wrapped in a clinic page (or, with raw=True, a whole page)."""

    def run(
        body: str, *, url: str = CLINIC_URL, raw: bool = False, content_type: str = "text/html"
    ):
        content = body if raw else clinic_page(body)
        return extract_page(content, url, content_type=content_type)

    return run
