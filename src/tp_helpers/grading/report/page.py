"""The frame every page shares: one self-contained HTML file, its stylesheet inline.

The pages are mailed or re-attached to a learning platform and opened offline, often on a
phone: nothing is fetched, the stylesheet (``style.css``, package data) is read once and
written into each page.
"""

from __future__ import annotations

from functools import lru_cache
from html import escape
from importlib import resources

from ..model.result import format_points


@lru_cache(maxsize=1)
def stylesheet() -> str:
    """``style.css``, shipped with the package (pyproject's package-data)."""
    return resources.files(__package__).joinpath("style.css").read_text(encoding="utf-8")


def points(score: float, max_points: float) -> str:
    """``2.5 / 3``: every score on the pages is written the same way."""
    return f"{format_points(score)} / {format_points(max_points)}"


def share(part: float, whole: float) -> float:
    """``part / whole`` in [0, 1], 0 for an empty whole: widths of bars."""
    return min(max(part / whole, 0.0), 1.0) if whole else 0.0


def plural(count: int, word: str) -> str:
    """``1 student``, ``2 students``: labels read aloud by screen readers must be right."""
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


def page(title: str, body: str) -> str:
    """A whole HTML file: one inline style sheet, a viewport for phones, nothing to fetch."""
    return (
        "<!DOCTYPE html>\n<html lang='en'><head><meta charset='utf-8'>"
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(title)}</title><style>{stylesheet()}</style></head>"
        f"<body><main>\n{body}\n</main></body></html>\n"
    )


def header(kicker: str, heading: str, meta: list[str]) -> str:
    """The top of a page; ``meta`` items are HTML already escaped by the caller."""
    items = "".join(f"<span>{item}</span>" for item in meta if item)
    return (
        f"<header><p class='kicker'>{escape(kicker)}</p><h1>{escape(heading)}</h1>"
        f"<p class='meta'>{items}</p></header>"
    )
