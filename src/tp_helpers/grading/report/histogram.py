"""The class's scores as a histogram: the bins, and the SVG the summary page draws."""

from __future__ import annotations

import math
from dataclasses import dataclass
from html import escape

from ..model.result import StudentResult, format_points
from .page import plural

PER_POINT_BINS = 40  # up to this many points the histogram has one bar per point
HISTOGRAM_BINS = 20  # about this many bars above it


@dataclass(frozen=True)
class HistogramBin:
    """Scores ``low <= score < high`` (the last bin also holds ``high``)."""

    low: float
    high: float
    count: int
    last: bool = False

    @property
    def label(self) -> str:
        """``7`` for a one-point bin (scores 7 to 7.99), ``10–14`` for a wider one."""
        if self.high - self.low == 1 and not self.last:
            return format_points(self.low)
        top = self.high if self.last else self.high - 1
        return f"{format_points(self.low)}–{format_points(top)}"

    @property
    def title(self) -> str:
        """What a screen reader or a tooltip says about the bar."""
        if self.high - self.low == 1 and not self.last:
            where = f"{format_points(self.low)} point{'' if self.low == 1 else 's'}"
        else:
            upper = "" if self.last else "under "
            where = f"{format_points(self.low)} to {upper}{format_points(self.high)} points"
        return f"{where}: {plural(self.count, 'student')}"


def score_histogram(scores: list[float], max_score: float) -> list[HistogramBin]:
    """Bins of the scores from 0 to ``max_score``: one per point up to :data:`PER_POINT_BINS`
    points (a bar per score a student can get), else about :data:`HISTOGRAM_BINS` bins of a
    whole number of points."""
    top = max([max_score, *scores, 0.0])
    if top <= PER_POINT_BINS:
        width, count = 1, math.floor(top) + 1
    else:
        width = math.ceil(top / HISTOGRAM_BINS)
        count = math.ceil(top / width)
    counts = [0] * count
    for score in scores:
        counts[min(max(int(score // width), 0), count - 1)] += 1
    bins = [HistogramBin(i * width, (i + 1) * width, n) for i, n in enumerate(counts[:-1])]
    if width == 1:  # the last bar is the top score, like every other one-point bar
        return [*bins, HistogramBin(count - 1, count, counts[-1])]
    return [*bins, HistogramBin((count - 1) * width, top, counts[-1], last=True)]


@dataclass(frozen=True)
class _Frame:
    """The histogram's drawing area, in SVG user units (the picture scales to the page)."""

    width: float = 440
    height: float = 230
    left: float = 44
    right: float = 16
    top: float = 20
    bottom: float = 48

    @property
    def plot_width(self) -> float:
        return self.width - self.left - self.right

    @property
    def plot_height(self) -> float:
        return self.height - self.top - self.bottom

    @property
    def base(self) -> float:
        return self.top + self.plot_height


def histogram_svg(results: list[StudentResult]) -> str:
    """How many students got each score, as an inline SVG (no script, no external file)."""
    if not results:
        return ""
    max_score = max(result.max_score for result in results)
    bins = score_histogram([result.score for result in results], max_score)
    largest = max(item.count for item in bins)
    frame, step = _Frame(), _count_step(largest)
    scale = step * max(1, math.ceil(largest / step))  # the top of the count axis, on a tick
    parts = [
        *_y_axis(frame, step, scale),
        *_bars(frame, bins, scale),
        *_x_axis(frame, bins),
    ]
    return (
        "<figure class='histogram'>"
        f"<svg viewBox='0 0 {frame.width:g} {frame.height:g}' role='group' "
        "aria-label='Histogram of the scores'>"
        + "".join(parts)
        + "</svg><figcaption>Number of students per score, out of "
        f"{format_points(max_score)} points"
        f"{'' if bins[0].high - bins[0].low == 1 else ' (bars of several points)'}."
        "</figcaption></figure>"
    )


def _count_step(largest: int) -> int:
    """A whole step between the count axis' ticks: at most five ticks above 0."""
    return max(1, math.ceil(largest / 5))


def _y_axis(frame: _Frame, step: int, scale: int) -> list[str]:
    """Counts of students up the left side, with light grid lines to read the bars against."""
    parts = []
    for value in range(0, scale + 1, step):
        y = frame.base - value / scale * frame.plot_height
        parts.append(
            f"<line class='{'axis' if value == 0 else 'grid'}' x1='{frame.left:g}' "
            f"y1='{y:.1f}' x2='{frame.width - frame.right:g}' y2='{y:.1f}'/>"
            f"<text class='tick' x='{frame.left - 6:g}' y='{y + 4:.1f}' text-anchor='end' "
            f"font-size='12'>{value}</text>"
        )
    middle = frame.top + frame.plot_height / 2
    parts.append(
        f"<text class='label' x='14' y='{middle:.1f}' text-anchor='middle' font-size='13' "
        f"transform='rotate(-90 14 {middle:.1f})'>students</text>"
    )
    return parts


def _bars(frame: _Frame, bins: list[HistogramBin], scale: int) -> list[str]:
    """One labelled group per bin (even an empty one): a bar and its count above it."""
    slot = frame.plot_width / len(bins)
    width, size = slot * 0.8, min(12.0, max(slot * 0.8, 7.0))
    parts = []
    for index, item in enumerate(bins):
        x = frame.left + index * slot + (slot - width) / 2
        height = item.count / scale * frame.plot_height
        count = (
            f"<text class='count' x='{x + width / 2:.1f}' y='{frame.base - height - 4:.1f}' "
            f"font-size='{size:.1f}'>{item.count}</text>"
            if item.count
            else ""
        )
        parts.append(
            f"<g class='bin' role='img' aria-label='{escape(item.title, quote=True)}' "
            f"data-count='{item.count}'><title>{escape(item.title)}</title>"
            f"<rect class='column' x='{x:.1f}' y='{frame.base - height:.1f}' width='{width:.1f}' "
            f"height='{height:.1f}' rx='1.5'/>{count}</g>"
        )
    return parts


def _ticks(last: int, every: int) -> list[int]:
    """``0, every, 2·every, …, last``, without a tick too close before ``last`` (they would
    overlap)."""
    return [i for i in range(0, last, every) if last - i >= every] + [last]


def _x_axis(frame: _Frame, bins: list[HistogramBin]) -> list[str]:
    """Scores under the bars: one-point bars are labelled at their middle, wider bars at their
    edges; every k-th label only when they would overlap, the first and the last always."""
    slot = frame.plot_width / len(bins)
    one_point = bins[0].high - bins[0].low == 1
    y = frame.base + 16
    if one_point:
        every = math.ceil(len(bins) / 16)
        marks = [(i + 0.5, bins[i].low) for i in _ticks(len(bins) - 1, every)]
    else:
        every = math.ceil(len(bins) / 10)
        edges = [b.low for b in bins] + [bins[-1].high]
        marks = [(i, edges[i]) for i in _ticks(len(bins), every)]
    parts = [
        f"<text class='tick' x='{frame.left + at * slot:.1f}' y='{y:g}' text-anchor='middle' "
        f"font-size='12'>{format_points(value)}</text>"
        for at, value in marks
    ]
    parts.append(
        f"<text class='label' x='{frame.left + frame.plot_width / 2:.1f}' "
        f"y='{frame.height - 8:g}' text-anchor='middle' font-size='13'>score (points)</text>"
    )
    return parts
