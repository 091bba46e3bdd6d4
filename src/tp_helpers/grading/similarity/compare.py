"""Similarity between submissions, exercise by exercise, on the students' own code.

The fingerprints follow :mod:`copydetect` (MIT, on PyPI), whose winnowing (Schleimer, Wilkerson
and Aiken's algorithm, as MOSS), copied-slice and overlap functions are used as they are: the
code is tokenized by Pygments, names become ``V``/``F``/``O``, strings ``S``, comments and
layout go; the winnowing keeps a guaranteed sample of the k-gram hashes with their positions,
which map the shared fragments back to the original lines. Two steps of copydetect's own are
replaced here, each for a reason a test shows:

* **numbers are abstracted too** (``N``), as names and strings are: copydetect keeps them, so a
  copied line with ``0.5`` changed to ``0.7`` broke every k-gram around it, and a copy whose
  constants were changed could hide (:func:`normalise`);
* **the k-gram hashes are the same in every process** (:func:`kgram_hashes`): copydetect hashes
  with Python's ``hash()``, which is salted per process (``PYTHONHASHSEED``), so the winnowing
  kept other fingerprints in every run and two runs of the same class ranked it differently.

What copydetect does not do, and this module does on top of its fingerprints:

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
"""

from __future__ import annotations

import math
import re
import textwrap
from collections import Counter
from dataclasses import dataclass, field

import numpy as np
from copydetect import compare_files
from copydetect.utils import get_token_coverage, winnow
from pygments import lexers, token

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
    fingerprint: Fingerprint


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


@dataclass
class Fingerprint:
    """What copydetect's ``compare_files`` reads of a document (its ``CodeFingerprint``'s
    fields), made by :func:`fingerprint`."""

    raw_code: str
    filtered_code: str
    offsets: np.ndarray  # (index in filtered_code, characters removed before it), as copydetect's
    hashes: set[int]
    hash_idx: dict[int, list[int]]
    k: int
    token_coverage: float


def fingerprint(code: str, base: list[int] | None = None) -> Fingerprint:
    """The winnowed fingerprint of ``code`` (Python), ``base`` hashes removed."""
    filtered, offsets = normalise(code)
    hashes = kgram_hashes(filtered, NOISE)
    selected, positions = winnow(hashes, GUARANTEE - NOISE + 1, remove_duplicates=False)
    if base:
        keep = ~np.isin(selected, np.asarray(base, dtype=np.int64))
        selected, positions = selected[keep], positions[keep]
    hash_idx: dict[int, list[int]] = {}
    for value, position in zip(selected.tolist(), positions.tolist()):
        hash_idx.setdefault(value, []).append(position)
    coverage = get_token_coverage(hash_idx, NOISE, len(filtered))
    return Fingerprint(code, filtered, offsets, set(hash_idx), hash_idx, NOISE, coverage)


#: the names copydetect writes as ``V`` (exactly these kinds: a builtin such as ``len`` stays)
_VARIABLES = {token.Name, token.Name.Variable, token.Name.Attribute}


def normalise(code: str) -> tuple[str, np.ndarray]:
    """``code`` as its tokens, names, strings and numbers abstracted, comments and layout
    dropped; and copydetect's offsets (for each abstracted or dropped token, its index in the
    normalised text and the characters removed before it), which map a normalised slice back
    to the original code. Written as copydetect's ``filter_code``, with numbers as ``N``."""
    out: list[str] = []
    length, removed = 0, 0
    offsets = [[0, 0]]
    for kind, text in lexers.get_lexer_by_name("python").get_tokens(code):
        letter = _letter(kind, text)
        if letter is None:  # kept as it is: an operator, a keyword, a bracket
            out.append(text)
            length += len(text)
        elif letter:  # one letter stands for the whole token
            out.append(letter)
            length += 1
            offsets.append([length - 1, removed])
            removed += len(text) - 1
        else:  # layout and comments: gone
            offsets.append([length - 1, removed])
            removed += len(text)
    return "".join(out), np.array(offsets)


def _letter(kind, text: str) -> str | None:
    """The letter a token becomes, "" when it is dropped, None when it is kept as written."""
    if kind in _VARIABLES:
        return "V"
    if kind in token.Name.Function:
        return "F"
    if kind in token.Name.Class:
        return "O"
    if kind in token.Literal.Number:
        return "N"
    if kind in token.Text or kind in token.Comment:
        return ""
    if kind in token.Literal.String:
        return None if text in ("'", '"') else "S"
    return None


#: the k-gram hash: a polynomial over the characters, modulo 2**64, then mixed (SplitMix64's
#: finaliser) so that the winnowing's minimum falls anywhere in a window
_BASE = np.uint64(0x100000001B3)
_MIX = (np.uint64(0xBF58476D1CE4E5B9), np.uint64(0x94D049BB133111EB))


def kgram_hashes(text: str, k: int) -> np.ndarray:
    """The hash of every ``k`` characters of ``text``, the same in every process (int64)."""
    codes = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
    count = len(codes) - k + 1
    if count <= 0:
        return np.zeros(0, dtype=np.int64)
    value = np.zeros(count, dtype=np.uint64)
    for offset in range(k):  # uint64 arrays wrap around silently
        value = value * _BASE + codes[offset : offset + count]
    value ^= value >> np.uint64(30)
    value *= _MIX[0]
    value ^= value >> np.uint64(27)
    value *= _MIX[1]
    value ^= value >> np.uint64(31)
    return value.view(np.int64)


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
