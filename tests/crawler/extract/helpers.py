"""Building test pages for the extractor tests."""

from __future__ import annotations

CLINIC_URL = "https://example-clinic.test/"


def clinic_page(body: str, title: str = "Example Ketamine Clinic") -> str:
    """A clinic's page with a menu and a footer around the given main content."""
    return f"""<!doctype html><html><head><title>{title}</title></head>
<body><header class="site-header"><a class="logo" href="/">Example Ketamine Clinic</a>
<nav><ul><li><a href="/iv">IV Ketamine</a></li><li><a href="/spravato">Spravato</a></li></ul></nav></header>
<main>{body}</main>
<footer><p>Example Ketamine Clinic, 1600 Grant St, Denver, CO 80203 · (303) 555-0100</p></footer>
</body></html>"""


def price_keys(result: dict) -> set[tuple]:
    """(min, max, kind, sessions, route); max None for a single figure (printed as min = max)."""
    return {
        (
            p["amount_min"],
            None if p["amount_max"] == p["amount_min"] else p["amount_max"],
            p["kind"],
            p["sessions"],
            p["route"],
        )
        for p in result["prices"]
    }
