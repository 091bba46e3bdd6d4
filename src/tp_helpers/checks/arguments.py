"""The ``TrainingArguments`` an exercise builds, against what the lab's table asks: one
comparison for every lab, each lab keeping its own table, hint keys and advice."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any


def compared(args, profile, table: Iterable[tuple]) -> Iterator[tuple[tuple, Any, Any]]:
    """``(row, found, expected)`` for each row of ``table``.

    A row starts with the ``TrainingArguments`` attribute and what it must be: the name of a
    profile attribute (a typed-in number would be right in one profile only), or a fixed value
    in a 1-tuple (``("epoch",)``); what follows is the lab's own (its advice). Enum values
    (``IntervalStrategy.EPOCH``) are compared by their ``value``.
    """
    for row in table:
        name, source = row[0], row[1]
        expected = source[0] if isinstance(source, tuple) else getattr(profile, source)
        found = getattr(args, name, None)
        yield row, getattr(found, "value", found), expected


def reports_nowhere(args) -> bool:
    """True when the Trainer logs to no tracker (``report_to="none"``, or an empty list)."""
    return not args.report_to or args.report_to == ["none"]
