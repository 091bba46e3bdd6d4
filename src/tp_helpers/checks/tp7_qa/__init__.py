"""The checks of TP7 (extractive question answering), one function per exercise.

In the notebook: ``from tp_helpers.checks import tp7_qa as checks``, then under each exercise
``with checks.exercise("03"): checks.ex03(...)``; every ``checks.<name>`` a notebook calls is
here, whichever part defines it. The checks are split by the lab's parts: :mod:`.data` (01-02),
:mod:`.windows` (windows and labels, 03-13), :mod:`.training` (14-17), :mod:`.validation`
(validation features, 20-23), :mod:`.postprocess` (18-19, 24-29) and :mod:`.metric` (30), with
the hint table beside them in :mod:`.hints` and what they share in :mod:`._lab`.

Each ``exNN`` function looks at what the student's exercise produced and either prints one
success line or raises a :class:`~tp_helpers.checks.core.CheckFailed` built from the hint table.
Checks test *properties* that hold in every profile and on any data (a labelled span decodes to
the answer, CLS exactly when the answer is outside the window, every candidate is a piece of its
context…), then the profile's reference values. They never contain the solution: they call the
student's functions on chosen rows and look at the result. The ``*_hidden`` functions are the
graders' stronger checks (rows the student never saw, a tokenizer that pads on the left, a row
without an answer, edge cases of the post-processing).
"""

from __future__ import annotations

from ._lab import LAB, PAIR, SQUAD_COLUMNS, exercise, progress
from .data import ex01, ex01_hidden, ex02, ex02_hidden
from .hints import HINTS, LABEL_ADVICE, TITLES
from .metric import ex30
from .postprocess import ex18, ex19, ex24, ex25, ex26, ex27, ex28, ex29, postprocess_hidden
from .training import ex14, ex15, ex16, ex17
from .validation import ex20, ex21, ex22, ex23, validation_hidden
from .windows import (
    ex03,
    ex03_hidden,
    ex04,
    ex05,
    ex06,
    ex07,
    ex08,
    ex08_hidden,
    ex09,
    ex09_hidden,
    ex10,
    ex11,
    ex12,
    ex13,
    ex13_hidden,
    labels_hidden,
)

__all__ = [
    "ex01",
    "ex01_hidden",
    "ex02",
    "ex02_hidden",
    "ex03",
    "ex03_hidden",
    "ex04",
    "ex05",
    "ex06",
    "ex07",
    "ex08",
    "ex08_hidden",
    "ex09",
    "ex09_hidden",
    "ex10",
    "ex11",
    "ex12",
    "ex13",
    "ex13_hidden",
    "ex14",
    "ex15",
    "ex16",
    "ex17",
    "ex18",
    "ex19",
    "ex20",
    "ex21",
    "ex22",
    "ex23",
    "ex24",
    "ex25",
    "ex26",
    "ex27",
    "ex28",
    "ex29",
    "ex30",
    "exercise",
    "HINTS",
    "LAB",
    "LABEL_ADVICE",
    "labels_hidden",
    "PAIR",
    "postprocess_hidden",
    "progress",
    "SQUAD_COLUMNS",
    "TITLES",
    "validation_hidden",
]
