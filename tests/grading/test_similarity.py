"""Similarity between submissions: planted copies (renamed, reordered, commented, one exercise
copied out of many) rank above every pair of honest students; what everyone writes is not
evidence; the report is a page of evidence to review."""

from __future__ import annotations

import csv

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
