"""Readable views of SQuAD rows and answer spans, for looking at the data in a notebook.

Both helpers *return* an object instead of printing: as the last expression of a cell, Jupyter
renders it as HTML (``_repr_html_``); ``print(...)`` or a terminal shows the plain-text version
(``__repr__``). Choosing what to show and drawing it are kept apart, so the same object renders in
both places. Every piece of dataset text is HTML-escaped: a context may contain ``<`` or ``&``.

Only the standard library is used: ``datasets`` is duck-typed, never imported at run time.
"""

from __future__ import annotations

import html
import random
import re
import textwrap
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from itertools import groupby
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # only for the type hint: importing datasets is slow
    from datasets import Dataset

TEXT_WIDTH = 100  # plain-text output is wrapped at this width; nothing is cut off

# One per-character label is a combination of these two bits (so 3 means "gold and predicted").
GOLD, PRED = 1, 2

# Colours of the HTML view. A character in both spans keeps the gold green and gets an orange
# underline, so the overlap stays visible. ``color: black`` keeps the text readable in dark themes.
STYLES = {
    GOLD: "background: #b7e4c7; color: black",
    PRED: "background: #ffd6a5; color: black",
    GOLD | PRED: "background: #b7e4c7; color: black; border-bottom: 3px solid #f4a261",
}
LEGEND = {GOLD: "gold answer", PRED: "predicted answer", GOLD | PRED: "both"}

# A table cell: pre-wrap wraps long text and keeps the line breaks between answers.
TD = '<td style="white-space: pre-wrap; text-align: left; vertical-align: top">'

# Plain-text markers: gold spans in [[...]], the predicted span in <<...>>.
OPEN = {GOLD: "[[", PRED: "<<"}
CLOSE = {GOLD: "]]", PRED: ">>"}


# --------------------------------------------------------------------------- random rows


@dataclass(frozen=True)
class RowsTable:
    """Some rows of a dataset, shown as an HTML table in Jupyter and as text elsewhere.

    ``indices[i]`` is the position of ``rows[i]`` in the dataset, so ``dataset[indices[i]]`` gets
    the original row back.
    """

    indices: list[int]
    rows: list[dict[str, Any]]

    @property
    def columns(self) -> list[str]:
        return list(self.rows[0]) if self.rows else []

    def _repr_html_(self) -> str:
        header = "".join(f"<th>{html.escape(name)}</th>" for name in ["index", *self.columns])
        lines = [f"<table>\n<thead><tr>{header}</tr></thead>\n<tbody>"]
        for index, row in zip(self.indices, self.rows, strict=True):
            cells = [str(index), *(format_cell(row[name]) for name in self.columns)]
            tds = "".join(f"{TD}{html.escape(cell)}</td>" for cell in cells)
            lines.append(f"<tr>{tds}</tr>")
        lines.append("</tbody>\n</table>")
        return "\n".join(lines)

    def __repr__(self) -> str:
        width = max(map(len, self.columns), default=0)
        blocks = []
        for index, row in zip(self.indices, self.rows, strict=True):
            lines = [f"[row {index}]"]
            for name in self.columns:
                label = f"  {name:<{width}}  "
                body = _wrap(format_cell(row[name]), max(TEXT_WIDTH - len(label), 40))
                lines.append(label + body.replace("\n", "\n" + " " * len(label)))
            blocks.append("\n".join(lines))
        return "\n\n".join(blocks)


def show_random_elements(
    dataset: Dataset, num_examples: int = 5, seed: int | None = None
) -> RowsTable:
    """Pick ``num_examples`` distinct random rows of ``dataset`` and return them as a table.

    Looking at a few random rows is the quickest way to understand a dataset. A private
    ``random.Random(seed)`` is used, so the same seed gives the same rows whatever else the notebook
    did with the global ``random`` state. ClassLabel columns show label names, not integers.
    Leave the result as the last expression of a cell and Jupyter draws it as a table.
    Raises ``ValueError`` unless ``1 <= num_examples <= len(dataset)``.
    """
    size = len(dataset)
    if not 1 <= num_examples <= size:
        raise ValueError(
            f"num_examples={num_examples}, but the dataset has {size} rows: pass a num_examples "
            f"between 1 and {size}."
        )
    indices = random.Random(seed).sample(range(size), num_examples)
    features = getattr(dataset, "features", None) or {}
    rows = [_decode_labels(dict(dataset[i]), features) for i in indices]
    return RowsTable(indices=indices, rows=rows)


def _decode_labels(row: dict[str, Any], features: Mapping[str, Any]) -> dict[str, Any]:
    """Replace ClassLabel integers by their names, in a column or in a list column.

    Duck-typed on ``int2str`` (what ``datasets.ClassLabel`` has), as in the Hugging Face course.
    """
    for name, feature in features.items():
        inner = getattr(feature, "feature", None)  # the item type of a List/Sequence column
        if hasattr(feature, "int2str"):
            row[name] = feature.int2str(row[name])
        elif hasattr(inner, "int2str"):
            row[name] = [inner.int2str(label) for label in row[name]]
    return row


def format_cell(value: Any) -> str:
    """Plain text for one cell; a SQuAD ``answers`` dict becomes one ``"text" @start`` per line."""
    if isinstance(value, Mapping) and {"text", "answer_start"} <= value.keys():
        pairs = zip(value["text"], value["answer_start"], strict=True)
        return "\n".join(f'"{text}" @{start}' for text, start in pairs) or "(no answer)"
    if isinstance(value, Mapping):
        return "\n".join(f"{key}: {format_cell(item)}" for key, item in value.items())
    if isinstance(value, Sequence) and not isinstance(value, str):
        return "\n".join(format_cell(item) for item in value)
    return str(value)


def _wrap(text: str, width: int) -> str:
    """Wrap each line of ``text`` to ``width`` characters, keeping every word (no truncation)."""
    wrapped = [
        "\n".join(textwrap.wrap(line, width, break_long_words=False, break_on_hyphens=False))
        for line in text.split("\n")
    ]
    return "\n".join(wrapped)


# --------------------------------------------------------------------------- answer spans


@dataclass(frozen=True)
class AnswerView:
    """A context with its gold and predicted answer spans highlighted.

    ``runs`` cuts the context into consecutive pieces ``(text, label)``, where ``label`` combines
    ``GOLD`` and ``PRED`` (0: neither, 3: both). In plain text, gold spans are written ``[[...]]``
    and the predicted span ``<<...>>``; where they overlap the markers nest, as in
    ``[[Denver <<Broncos>>]]``.
    """

    runs: list[tuple[str, int]]
    question: str | None = None
    note: str | None = None  # e.g. a prediction that is not in the context

    def _repr_html_(self) -> str:
        parts = ['<div style="line-height: 1.8">']
        if self.question is not None:
            parts.append(f"<p><b>Question:</b> {html.escape(self.question)}</p>")
        spans = "".join(_html_span(text, label) for text, label in self.runs)
        parts.append(f'<p style="white-space: pre-wrap">{spans}</p>')
        if self.note is not None:
            parts.append(f"<p><i>{html.escape(self.note)}</i></p>")
        legend = " ".join(_html_span(text, label) for label, text in LEGEND.items())
        parts.append(f'<p style="font-size: smaller">Legend: {legend}</p>')
        parts.append("</div>")
        return "\n".join(parts)

    def __repr__(self) -> str:
        marked, previous = [], 0
        for text, label in [*self.runs, ("", 0)]:  # the final empty run closes what is open
            marked += [CLOSE[bit] for bit in (PRED, GOLD) if previous & bit and not label & bit]
            marked += [OPEN[bit] for bit in (GOLD, PRED) if label & bit and not previous & bit]
            marked.append(text)
            previous = label
        lines = [] if self.question is None else [_wrap(f"Question: {self.question}", TEXT_WIDTH)]
        lines.append(_wrap("Context: " + "".join(marked), TEXT_WIDTH))
        if self.note is not None:
            lines.append(self.note)
        lines.append("Legend: [[gold answer]]  <<predicted answer>>")
        return "\n".join(lines)


def show_answer(
    context: str,
    gold: dict | list[dict] | None = None,
    predicted: str | tuple[int, int] | None = None,
    question: str | None = None,
) -> AnswerView:
    """Highlight the gold answer(s) and a predicted answer inside ``context``.

    Seeing *where* a prediction lands next to the gold span shows at a glance whether a miss is a
    boundary error (a word too many), or a wrong place entirely.

    * ``gold``: a SQuAD ``answers`` dict ``{"text": [...], "answer_start": [...]}``, or a list of
      single answers ``{"text": "...", "answer_start": 12}``. The character offsets are used (no
      text search), and checked: a wrong offset raises ``ValueError``.
    * ``predicted``: a ``(start_char, end_char)`` pair, end excluded (as in an offset mapping), or
      the predicted text, located at its first occurrence (case-sensitive, then ignoring case).
      Text that is not in the context is shown below it, marked "not found in context".
    """
    labels = [0] * len(context)  # one label per character: the simplest way to handle overlaps
    for text, start in _gold_answers(gold):
        if start < 0 or context[start : start + len(text)] != text:
            found = context[max(start, 0) : max(start, 0) + len(text)]
            raise ValueError(
                f"gold answer {text!r} is not at answer_start={start}: the context has {found!r} "
                "there. Pass the answers of this same context (character offsets, not tokens)."
            )
        for i in range(start, start + len(text)):
            labels[i] |= GOLD

    span, note = _locate_prediction(context, predicted)
    if span is not None:
        for i in range(*span):
            labels[i] |= PRED

    return AnswerView(runs=_group_runs(context, labels), question=question, note=note)


def _gold_answers(gold: Any) -> list[tuple[str, int]]:
    """``(text, answer_start)`` pairs from an ``answers`` dict or a list of single answers."""
    if gold is None:
        return []
    pairs = []
    for answers in [gold] if isinstance(gold, Mapping) else gold:
        texts, starts = answers["text"], answers["answer_start"]
        if isinstance(texts, str):  # a single answer {"text": "...", "answer_start": 12}
            texts, starts = [texts], [starts]
        if len(texts) != len(starts):
            raise ValueError(f"gold has {len(texts)} texts but {len(starts)} answer_start values")
        pairs += [(text, int(start)) for text, start in zip(texts, starts, strict=True)]
    return pairs


def _locate_prediction(
    context: str, predicted: str | tuple[int, int] | None
) -> tuple[tuple[int, int] | None, str | None]:
    """The ``(start, end)`` characters of the prediction, or ``None`` and a note saying why not."""
    if predicted is None:
        return None, None
    if not isinstance(predicted, str):
        start, end = predicted
        if not 0 <= start <= end <= len(context):
            raise ValueError(
                f"predicted span ({start}, {end}) is outside the context of {len(context)} "
                "characters: pass (start_char, end_char) with 0 <= start_char <= end_char."
            )
        return (start, end), (None if start < end else "Predicted answer is empty.")
    if predicted == "":
        return None, "Predicted answer is empty."
    # re with IGNORECASE gives offsets in the original text (str.lower() may change lengths).
    pattern = re.escape(predicted)
    match = re.search(pattern, context) or re.search(pattern, context, re.IGNORECASE)
    if match is None:
        return None, f"Predicted answer {predicted!r}: not found in context."
    return match.span(), None


def _group_runs(context: str, labels: list[int]) -> list[tuple[str, int]]:
    """Cut ``context`` into maximal pieces whose characters all have the same label."""
    runs, position = [], 0
    for label, group in groupby(labels):
        length = len(list(group))
        runs.append((context[position : position + length], label))
        position += length
    return runs


def _html_span(text: str, label: int) -> str:
    """Escaped ``text``, inside a coloured ``<mark>`` unless it is in no answer."""
    if not label:
        return html.escape(text)
    return f'<mark style="{STYLES[label]}" title="{LEGEND[label]}">{html.escape(text)}</mark>'
