"""The similarity report: one self-contained HTML page of ranked pairs, their shared fragments
side by side and highlighted, in the wording of evidence to review, never of a verdict."""

from __future__ import annotations

from html import escape

from ..report.page import header, page
from .compare import Meeting, Pair, Similarity

#: pairs shown with their fragments (the table lists every pair that shares something)
DETAILED_PAIRS = 30

_STYLE = """
<style>
.pairs td.num { text-align: right; }
.side { display: grid; grid-template-columns: 1fr 1fr; gap: 0.75rem; }
.side pre { margin: 0; white-space: pre-wrap; overflow-wrap: anywhere; background: #f6f8fa;
  border-radius: 6px; padding: 0.5rem 0.7rem; font-size: 0.82rem;
  font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; }
.side mark { background: #fff1a8; border-bottom: 2px solid #d4a72c; }
.side h4 { margin: 0 0 0.3rem; font-size: 0.9rem; color: #59636e; }
.pair h3 { margin-bottom: 0.2rem; }
.caution { border-left: 5px solid #d4a72c; background: #fff8c5; }
@media (max-width: 40rem) { .side { grid-template-columns: 1fr; } }
</style>
"""


def similarity_html(result: Similarity, lab: str = "") -> str:
    """The page for :func:`.compare.compare`'s result."""
    meta = [
        f"{len(result.students)} students",
        f"{len(result.pairs)} pairs share code beyond what the class has in common",
    ]
    body = (
        _STYLE
        + header("Similarity between submissions", lab or "Similarity", meta)
        + _caution(result)
        + "<h2>Pairs, most shared code first</h2>"
        + _pair_table(result.pairs)
        + "".join(_pair_detail(rank, pair) for rank, pair in enumerate(result.pairs, 1))
    )
    return page(f"{lab} · similarity" if lab else "Similarity", body)


def _caution(result: Similarity) -> str:
    return (
        "<section class='card caution' role='note'><p><b>Evidence to review, not a finding.</b> "
        "Each pair below wrote code that shares fragments once names, strings, comments and "
        "layout are set aside, and once the given code and every fragment found in more than "
        f"{result.threshold} students' work are taken out. Shared code has innocent causes "
        "(working together as allowed, the same tutorial, the lecture's example). Read the "
        "fragments side by side, and talk with the students before drawing any conclusion."
        "</p></section>"
    )


def _pair_table(pairs: list[Pair]) -> str:
    if not pairs:
        return "<p>No two submissions share code beyond what the class has in common.</p>"
    rows = "".join(
        f"<tr><td class='num'>{rank}</td>"
        f"<td><a href='#pair-{rank}'>{escape(pair.a)} · {escape(pair.b)}</a></td>"
        f"<td class='num'>{pair.shared}</td>"
        f"<td>{escape(', '.join(m.exercise for m in pair.meetings))}</td></tr>"
        for rank, pair in enumerate(pairs, 1)
    )
    return (
        "<table class='cards pairs'><thead><tr><th>rank</th><th>pair</th>"
        "<th>shared normalised characters</th><th>exercises where they meet</th></tr></thead>"
        f"<tbody>{rows}</tbody></table>"
    )


def _pair_detail(rank: int, pair: Pair) -> str:
    if rank > DETAILED_PAIRS:
        return ""
    meetings = "".join(_meeting(pair, meeting) for meeting in pair.meetings)
    return (
        f"<section class='pair' id='pair-{rank}'><h3>{rank}. {escape(pair.a)} and "
        f"{escape(pair.b)}</h3><p class='muted'>{pair.shared} normalised characters in common "
        f"over {len(pair.meetings)} exercise(s).</p>{meetings}</section>"
    )


def _meeting(pair: Pair, meeting: Meeting) -> str:
    return (
        f"<h4>Exercise {escape(meeting.exercise)}: {meeting.shared} characters "
        f"({meeting.share_a * 100:.0f}% of {escape(pair.a)}'s code here, "
        f"{meeting.share_b * 100:.0f}% of {escape(pair.b)}'s)</h4>"
        "<div class='side'>"
        f"<div><h4>{escape(pair.a)}</h4><pre>{highlight(meeting.code_a, meeting.slices_a)}</pre>"
        f"</div><div><h4>{escape(pair.b)}</h4>"
        f"<pre>{highlight(meeting.code_b, meeting.slices_b)}</pre></div></div>"
    )


def highlight(code: str, slices: tuple[tuple[int, int], ...]) -> str:
    """``code`` escaped, each shared slice in a ``<mark>``."""
    out, last = [], 0
    for start, end in sorted(slices):
        start = max(start, last)
        out.append(escape(code[last:start]))
        out.append(f"<mark>{escape(code[start:end])}</mark>")
        last = max(last, end)
    out.append(escape(code[last:]))
    return "".join(out)
