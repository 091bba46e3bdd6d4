"""Similarity between submissions: planted copies (renamed, reordered, commented, one exercise
copied out of many) rank above every pair of honest students; what everyone writes is not
evidence; the report is a page of evidence to review."""

from __future__ import annotations

import csv
import json
import os
import re
import subprocess
import sys

from tests.grading import similarity_class
from tp_helpers.grading.similarity import similarity_report
from tp_helpers.grading.similarity.compare import base_code, compare
from tp_helpers.grading.similarity.page import highlight


def ranked(result):
    return [((pair.a, pair.b), pair.shared) for pair in result.pairs]


def test_planted_copies_rank_above_every_honest_pair(tmp_path):
    """Through the notebooks, as ``tp-course similarity`` reads them."""
    folder = similarity_class.write_class(tmp_path / "class")
    result = similarity_report(folder, similarity_class.SOLUTION, tmp_path / "out")
    planted = {tuple(sorted(pair)) for pair in similarity_class.PLANTED}
    scores = dict(ranked(result))
    assert planted <= set(scores), f"a planted pair was not found: {scores}"
    honest = [score for pair, score in scores.items() if pair not in planted]
    lowest_planted = min(scores[pair] for pair in planted)
    assert lowest_planted > max(honest, default=0), scores
    assert [pair for pair, _ in ranked(result)[:4]] and set(
        pair for pair, _ in ranked(result)[:4]
    ) == planted
    # the one exercise copied out of many is found in that exercise alone
    one = next(p for p in result.pairs if (p.a, p.b) == ("s04", "s06"))
    assert [meeting.exercise for meeting in one.meetings] == ["12"]
    # what the whole class wrote the same way (every other exercise is the solution's) is
    # not evidence: no pair meets there
    exercises = {m.exercise for pair in result.pairs for m in pair.meetings}
    assert exercises <= set(similarity_class.VARIANTS)
    page = (tmp_path / "out" / "similarity.html").read_text()
    assert "Evidence to review, not a finding" in page and "<mark>" in page
    for word in ("plagiar", "cheat", "guilty"):
        assert word not in page.lower()
    rows = list(csv.DictReader((tmp_path / "out" / "pairs.csv").open()))
    assert {(r["student_a"], r["student_b"]) for r in rows[:4]} == planted


def test_common_code_is_taken_out():
    """Identical code in most of the class is no evidence; the same code in two is."""
    shared = similarity_class.VARIANTS["12"][3]
    own = similarity_class.VARIANTS["07"]
    code = {f"s{i}": {"12": shared, "07": own[i]} for i in range(6)}
    assert compare(code, {}).pairs == [] or all(
        m.exercise != "12" for p in compare(code, {}).pairs for m in p.meetings
    )
    code["s0"]["12"] = code["s1"]["12"] = similarity_class.VARIANTS["12"][5]
    pairs = compare(code, {}).pairs
    assert (pairs[0].a, pairs[0].b) == ("s0", "s1")


def test_given_code_is_taken_out():
    """A region left as given (the stub) in every copy is never evidence, however long."""
    stub_region = ("### BEGIN SOLUTION", "x = 1", "### END SOLUTION")
    given = "result = some_given_helper(first_argument, second_argument, third_argument)\n"
    base = given + base_code(stub_region)
    code = {"a": {"01": base}, "b": {"01": base}}
    assert compare(code, {"01": base}).pairs == []
    assert compare(code, {}).pairs  # without the base file, the two would meet


def test_highlight_escapes():
    assert highlight("a<b and c", ((0, 3),)) == "<mark>a&lt;b</mark> and c"


_RANKING = """
import json, sys
from tp_helpers.grading.similarity.compare import compare

result = compare(json.load(sys.stdin), {})
print(json.dumps([
    [pair.a, pair.b, pair.shared, [[m.exercise, m.shared, m.slices_a, m.slices_b]
                                   for m in pair.meetings]]
    for pair in result.pairs
]))
"""


def test_the_ranking_is_the_same_in_every_process():
    """Python salts ``hash()`` per process (PYTHONHASHSEED): fingerprints made with it would
    pick other k-grams in every run, and two runs of the same class would rank it apart."""
    runs = [
        subprocess.Popen(
            [sys.executable, "-c", _RANKING],
            env={**os.environ, "PYTHONHASHSEED": seed},
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        for seed in ("1", "2")
    ]
    code = json.dumps(similarity_class.class_code())
    outputs = [run.communicate(code, timeout=120)[0] for run in runs]
    assert [run.returncode for run in runs] == [0, 0]
    assert json.loads(outputs[0]) and outputs[0] == outputs[1]


def _other_numbers(code: str) -> str:
    """Each number of the code (outside strings) changed: ``1`` to ``2``, ``0.5`` to ``1.5``."""
    parts = re.split(r"(\"[^\"]*\"|'[^']*')", code)
    number = re.compile(r"(?<![\w.])(\d+)(\.\d+)?(?![\w.])")
    return "".join(
        part if i % 2 else number.sub(lambda m: str(int(m[1]) + 1) + (m[2] or ""), part)
        for i, part in enumerate(parts)
    )


def test_a_copy_with_other_numbers_still_ranks_as_a_copy():
    """Numbers are abstracted like names: a copied line with 0.5 changed to 0.7 is the same
    fragment, so a copy whose constants were changed shares as much as one left as it was."""
    assert _other_numbers("x = a[0] + 0.5 * f('1')") == "x = a[1] + 1.5 * f('1')"

    def scores_with(copy) -> dict:
        code = similarity_class.class_code()
        code["s10"] = {
            ex: copy(similarity_class.rename(text, 10)) for ex, text in code["s05"].items()
        }
        return dict(ranked(compare(code, {})))

    plain = scores_with(lambda text: text)
    changed = scores_with(_other_numbers)
    assert changed[("s05", "s10")] == plain[("s05", "s10")]
    planted = {tuple(sorted(pair)) for pair in similarity_class.PLANTED} | {("s05", "s10")}
    honest = [score for pair, score in changed.items() if pair not in planted]
    assert changed[("s05", "s10")] > max(honest, default=0), changed
