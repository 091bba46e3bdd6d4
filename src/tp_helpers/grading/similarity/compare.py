"""Similarity between submissions, exercise by exercise, on the students' own code.

The fingerprints are :mod:`copydetect`'s (MIT, on PyPI): its tokenizer (Pygments) replaces
names by ``V``/``F``/``O`` and strings by ``S`` and drops comments and layout, and its winnowing
(Schleimer, Wilkerson and Aiken's algorithm, as MOSS) keeps a guaranteed sample of the k-gram
hashes with their positions, which map the shared fragments back to the original lines. What
copydetect does not do, and this module does on top of its fingerprints:

* compare region by region: each student's code between the ``START``/``END CODE HERE``
  markers of one exercise against the same exercise of every other student, never the given
  cells that everyone has;
* take out the given code (the student notebook's stub of each region), as MOSS's base file;
* take out what a large share of the class wrote (a fingerprint found in more than
  ``common_share`` of the students or more than :data:`COMMON_MAX` of them, never fewer than
  two, for that exercise), as MOSS's frequency filter (``-m``): the one call every student
  writes the same way is not evidence;
* rank pairs by the amount of normalised code they share (characters of the normalised text
  covered by shared fingerprints, summed over exercises), so that one long exercise copied out
  of thirty counts and thirty one-liners written alike do not.

Numbers stay as they are (copydetect keeps them); changing a constant breaks only the k-grams
that hold it.
"""

from __future__ import annotations

import io
import math
import re
import textwrap
from collections import Counter
from dataclasses import dataclass, field

from copydetect import CodeFingerprint, compare_files
from copydetect.utils import get_token_coverage

#: k-gram length in normalised characters (copydetect's ``noise_t``): a shared fragment
#: shorter than this is never seen (``for V in range(len(V)):`` is 20)
NOISE = 25
#: winnowing guarantee (copydetect's ``guarantee_t``): any shared fragment this long is found
GUARANTEE = 30
#: a fingerprint in more than this share of the class's students is common knowledge...
COMMON_SHARE = 0.2
#: ...and so is one in more than this many students, whatever the class's size (MOSS's ``-m``
#: default): in a class of 200, 40 students writing a fragment alike is no pair's evidence
COMMON_MAX = 10

_SOLUTION_BLOCK = re.compile(
    r"^[ \t]*### BEGIN SOLUTION\n.*?^[ \t]*### END SOLUTION\n?", re.M | re.S
)


@dataclass
class Region:
    """One student's code of one exercise, with its fingerprints (common ones removed)."""

    student: str
    exercise: str
    code: str
    fingerprint: CodeFingerprint


@dataclass(frozen=True)
class Meeting:
    """Where two students' code of one exercise meets: the shared amount and the original
    slices (start, end) in each one's code, for the side by side."""

    exercise: str
    shared: int  # normalised characters covered by shared fingerprints (the smaller side)
    share_a: float
    share_b: float
    slices_a: tuple[tuple[int, int], ...]
    slices_b: tuple[tuple[int, int], ...]
    code_a: str
    code_b: str


@dataclass
class Pair:
    a: str
    b: str
    meetings: list[Meeting] = field(default_factory=list)

    @property
    def shared(self) -> int:
        return sum(meeting.shared for meeting in self.meetings)


@dataclass
class Similarity:
    """The ranked pairs, and what was taken out per exercise."""

    students: list[str]
    pairs: list[Pair]  # ranked, most shared first; only pairs that share something
    common: dict[str, int]  # exercise -> fingerprints taken out as common to the class
    threshold: int  # a fingerprint in more students than this was taken out


def base_code(source_region_lines: tuple[str, ...]) -> str:
    """The given code of a region: the source's region with each solution block replaced by
    the stub students receive (``raise NotImplementedError(...)``)."""
    text = textwrap.dedent("\n".join(source_region_lines) + "\n")
    return _SOLUTION_BLOCK.sub('raise NotImplementedError("write your code here")\n', text)


def fingerprint(code: str, base: list[int] | None = None) -> CodeFingerprint:
    """copydetect's fingerprint of ``code`` (Python), ``base`` hashes removed."""
    window = GUARANTEE - NOISE + 1
    return CodeFingerprint(
        "region.py", NOISE, window, boilerplate=base, language="python", fp=io.StringIO(code)
    )


def compare(
    regions: dict[str, dict[str, str]],
    bases: dict[str, str],
    common_share: float = COMMON_SHARE,
) -> Similarity:
    """Rank the pairs of ``regions`` (student -> exercise -> code) by shared normalised code.

    ``bases``: exercise -> its given code (:func:`base_code`)."""
    students = sorted(regions)
    threshold = max(2, min(COMMON_MAX, math.floor(common_share * len(students))))
    base_hashes = {exercise: sorted(fingerprint(code).hashes) for exercise, code in bases.items()}
    by_exercise: dict[str, list[Region]] = {}
    for student in students:
        for exercise, code in regions[student].items():
            code = textwrap.dedent(code)
            if not code.strip():
                continue
            fp = fingerprint(code, base_hashes.get(exercise))
            by_exercise.setdefault(exercise, []).append(Region(student, exercise, code, fp))
    common = {exercise: _drop_common(items, threshold) for exercise, items in by_exercise.items()}
    pairs: dict[tuple[str, str], Pair] = {}
    for exercise, items in by_exercise.items():
        for i, first in enumerate(items):
            for second in items[i + 1 :]:
                meeting = _meet(exercise, first, second)
                if meeting is not None:
                    key = (first.student, second.student)
                    pairs.setdefault(key, Pair(*key)).meetings.append(meeting)
    ranked = sorted(pairs.values(), key=lambda pair: (-pair.shared, pair.a, pair.b))
    for pair in ranked:
        pair.meetings.sort(key=lambda meeting: -meeting.shared)
    return Similarity(students, ranked, common, threshold)


def _drop_common(items: list[Region], threshold: int) -> int:
    """Remove from every region the fingerprints found in more than ``threshold`` students."""
    counts = Counter(h for item in items for h in item.fingerprint.hashes)
    common = {h for h, count in counts.items() if count > threshold}
    for item in items:
        fp = item.fingerprint
        fp.hashes = fp.hashes - common
        fp.hash_idx = {h: idx for h, idx in fp.hash_idx.items() if h not in common}
        fp.token_coverage = get_token_coverage(fp.hash_idx, fp.k, len(fp.filtered_code))
    return len(common)


def _meet(exercise: str, first: Region, second: Region) -> Meeting | None:
    if not first.fingerprint.hashes & second.fingerprint.hashes:
        return None
    overlap, (share_a, share_b), (slices_a, slices_b) = compare_files(
        first.fingerprint, second.fingerprint
    )
    if not overlap:
        return None
    overlap_b = int(sum(end - start for start, end in _pairs(slices_b)))
    return Meeting(
        exercise,
        int(min(overlap, overlap_b)),
        float(share_a),
        float(share_b),
        _pairs(slices_a),
        _pairs(slices_b),
        first.code,
        second.code,
    )


def _pairs(slices) -> tuple[tuple[int, int], ...]:
    """copydetect's 2 x N array of starts and ends as (start, end) tuples."""
    if len(slices) == 0 or len(slices[0]) == 0:
        return ()
    return tuple((int(start), int(end)) for start, end in zip(slices[0], slices[1]))
