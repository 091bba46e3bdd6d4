"""The feedback pages and the class summary in a real browser: headless Chromium, desktop and phone.

What a student or an instructor sees, read from the rendered page: the lab's name, each exercise's
id and title, passed/failed in words, the histogram's bars and counts, and at phone width
(390 × 844, mobile emulation, so the page's viewport tag applies) no horizontal scrolling.
Three classes are rendered: the tiny lab graded for real (``graded_class``; its notebook gives no
exercise titles), a hand-made class of the TP7 lab with titles, names, late submissions and every
status, and a hand-made 100-point class (bars of several points). Full-page screenshots go to
the test's temporary folder; their paths are printed.

The browser is the one of ``tests/test_browser.py`` (Debian's chromium and chromium-driver, or
``TP_CHROMIUM`` / ``TP_CHROMEDRIVER``); without it the tests are skipped with the reason.
"""

from __future__ import annotations

import base64
import contextlib
import random
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tp_helpers.grading.model.result import STATUSES, ExerciseResult, StudentResult
from tp_helpers.grading.report import write_reports

from ..test_browser import BrowserUnavailable, chromium

DESKTOP = (1280, 900)
PHONE = (390, 844)  # a current phone, in CSS pixels

LAB = "TP7 · Extractive question answering with a pretrained transformer"
#: (title, points) of the hand-made lab: 30 points, so the histogram has one bar per point
EXERCISES = (
    ("Load a slice of each split", 2),
    ("Overflowing windows", 3),
    ("First context token", 2),
    ("Last context token", 3),
    ("Answer token positions", 4),
    ("Answer outside the window", 3),
    ("Training arguments", 2),
    ("N-best start/end positions", 4),
    ("Drop reversed and too long spans", 3),
    ("Predict every validation answer", 4),
)
PWNED = "<script>window.pwned = 1</script>"
LONG_HINT = (
    "Exercise 06: the end token of feature 3 should be 171, got 12.\n"
    "    expected: offset_mapping[171] == (612, 619) and sequence_ids[171] == 1\n"
    "got token " + "x" * 160 + "\n(a line far longer than a phone is wide, wrapped)"
)


# --- the browser ---------------------------------------------------------------------------------


@dataclass
class Browser:
    """A headless Chromium that shows local files at a given size and photographs them whole."""

    driver: object
    shots: list[Path]

    def show(self, page: Path, size: tuple[int, int]) -> None:
        width, height = size
        self.driver.execute_cdp_cmd(
            "Emulation.setDeviceMetricsOverride",
            {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": width < 600},
        )
        self.driver.get(page.as_uri())

    def js(self, script: str, *args):
        return self.driver.execute_script(script, *args)

    def texts(self, selector: str) -> list[str]:
        return self.js(
            "return Array.from(document.querySelectorAll(arguments[0]), e => e.textContent);",
            selector,
        )

    def scroll_width(self) -> int:
        return self.js("return document.documentElement.scrollWidth;")

    def screenshot(self, path: Path) -> Path:
        """The whole page, not only what fits in the window."""
        size = self.driver.execute_cdp_cmd("Page.getLayoutMetrics", {})["cssContentSize"]
        clip = {"x": 0, "y": 0, "width": size["width"], "height": size["height"], "scale": 1}
        shot = self.driver.execute_cdp_cmd(
            "Page.captureScreenshot",
            {"format": "png", "captureBeyondViewport": True, "clip": clip},
        )
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(base64.b64decode(shot["data"]))
        self.shots.append(path)
        return path


@pytest.fixture(scope="module")
def browser(tmp_path_factory) -> Iterator[Browser]:
    """One Chromium for the module; skip, with the reason, without one."""
    work = tmp_path_factory.mktemp("report-browser")
    with contextlib.ExitStack() as stack:
        try:
            driver = stack.enter_context(chromium(work))
        except BrowserUnavailable as exc:
            pytest.skip(f"no headless Chromium: {exc}")
        yield Browser(driver, [])


@pytest.fixture
def shots(browser, tmp_path, capsys) -> Iterator[Path]:
    """The test's screenshot folder; the paths of what was saved there are printed at the end."""
    start = len(browser.shots)
    yield tmp_path / "screenshots"
    with capsys.disabled():
        for path in browser.shots[start:]:
            print(f"\nscreenshot: {path}")


# --- the classes ---------------------------------------------------------------------------------


def handmade_class() -> list[StudentResult]:
    """24 students of the TP7 lab: titles, names from a platform, late ones, every status."""
    rng = random.Random(7)
    results = []
    for number in range(24):
        status = STATUSES[number] if number < len(STATUSES) else "ok"
        skill = rng.random()
        exercises = [
            ExerciseResult(
                f"{index:02d}",
                float(points) if (passed := rng.random() < skill + 0.2) else 0.0,
                float(points),
                passed,
                "" if passed else f"Exercise {index:02d}: the check failed (got 0, expected 1)",
                title,
            )
            for index, (title, points) in enumerate(EXERCISES, start=1)
        ]
        results.append(
            StudentResult(
                f"s{number:03d}",
                status,
                "" if status == "ok" else f"{status.replace('_', ' ')} in the cell of exercise 04",
                exercises,
                sum(e.points for e in exercises),
                sum(e.max_points for e in exercises),
                seconds=rng.uniform(20, 90),
                lab=LAB,
                graded_at="2026-12-02T14:03:27+00:00",
                platform="canvas",
                name=f"Student {number} Lastname-{'very-long-' * (number % 3)}name",
                late=number % 5 == 0,
            )
        )
    results[1].name = f"Eve {PWNED}"
    results[1].exercises[3].hint = LONG_HINT
    results[1].notes = ["cell 9 (given code) failed: NameError: name 'tokenizer' is not defined"]
    return results


def wide_class() -> list[StudentResult]:
    """A 100-point lab (about 20 bars of 5 points) without titles, names or dates."""
    return [
        StudentResult(f"w{n:02d}", "ok", "", [ExerciseResult("01", s, 100.0, s >= 50)], s, 100.0)
        for n, s in enumerate([0.0, 12.0, 37.5, 50.0, 55.0, 58.0, 71.0, 95.0, 99.0, 100.0])
    ]


def per_point(results: list[StudentResult], max_score: int) -> list[int]:
    """Students per whole score 0…max_score, counted here: what one-point bars must show."""
    scores = Counter(int(result.score) for result in results)
    return [scores[score] for score in range(max_score + 1)]


# --- the tests -----------------------------------------------------------------------------------


def check_fits(browser: Browser, name: str) -> None:
    width = browser.scroll_width()
    assert width <= PHONE[0], f"{name}: the page is {width} px wide on a {PHONE[0]} px phone"
    wide = browser.js(
        "return Array.from(document.querySelectorAll("
        "'header, h1, h2, p, li, table, tr, th, td, pre, figure, svg, footer'))"
        ".filter(e => e.getBoundingClientRect().right > window.innerWidth + 0.5)"
        ".map(e => e.tagName + ': ' + e.textContent.slice(0, 40));"
    )
    assert wide == [], f"{name}: cut off on a phone: {wide}"


def exercise_rows(browser: Browser) -> list[str]:
    return [" ".join(text.split()) for text in browser.texts("table.exercises th.ex")]


def test_feedback_pages_of_the_graded_tiny_lab(browser, graded_class, shots):
    feedback = graded_class.out_dir / "feedback"
    by_id = {result.student_id: result for result in graded_class.results}
    for student in ("shared-cell-02-wrong", "cell-04-sleeps", "not-json"):
        result = by_id[student]
        ids = [exercise.id for exercise in result.exercises]
        assert ids == ["01", "02", "03", "04"]  # the tiny lab: no titles, ids alone
        for size, kind in ((DESKTOP, "desktop"), (PHONE, "phone")):
            browser.show(feedback / f"{student}.html", size)
            assert browser.texts("h1") == [result.lab] == ["Tiny lab"]
            assert exercise_rows(browser) == ids
            verdicts = [" ".join(t.split()) for t in browser.texts("td.verdict")]
            expected = ["✓ passed" if e.passed else "✗ failed" for e in result.exercises]
            assert verdicts == expected
            meta = browser.texts(".meta")[0]
            assert f"Student: {student}" in meta and "Graded on " in meta
            browser.screenshot(shots / f"{student}-{kind}.png")
            if kind == "phone":
                check_fits(browser, student)
            layout = browser.js(
                "return getComputedStyle(document.querySelector('table.exercises tbody tr'))"
                ".display;"
            )  # a phone gets each row as a block of its own, a desktop a table
            assert layout == ("grid" if kind == "phone" else "table-row")
    status = browser.texts(".status")[0]
    assert "could not be read as a Jupyter notebook" in status  # not-json, in words


def test_summary_of_the_graded_tiny_lab(browser, graded_class, shots):
    results = graded_class.results
    for size, kind in ((DESKTOP, "desktop"), (PHONE, "phone")):
        browser.show(graded_class.out_dir / "summary.html", size)
        assert browser.texts("h1") == ["Tiny lab"]
        bars = browser.js(
            "return Array.from(document.querySelectorAll('figure.histogram g.bin'),"
            " g => [Number(g.dataset.count), g.querySelector('title').textContent,"
            " g.querySelector('rect').getBoundingClientRect().height]);"
        )
        assert len(bars) == 11  # 10 points: one bar per score, 0 to 10
        assert [count for count, _, _ in bars] == per_point(results, 10)
        assert sum(count for count, _, _ in bars) == len(results) == 14
        assert [int(title.split(" ")[0]) for _, title, _ in bars] == list(range(11))
        for count, title, height in bars:
            assert title.endswith(f": {count} student" + "s" * (count != 1))
            assert (height > 0) == (count > 0)
        assert browser.texts("figure.histogram text.label") == ["students", "score (points)"]
        shown = [int(text) for text in browser.texts("figure.histogram text.count")]
        assert shown == [count for count, _, _ in bars if count]
        students = browser.texts("table.students tbody tr td:first-child a")
        assert students == sorted(result.student_id for result in results)
        browser.screenshot(shots / f"summary-{kind}.png")
        if kind == "phone":
            check_fits(browser, "summary")


def test_pages_of_a_class_with_titles_names_and_late_submissions(browser, tmp_path, shots):
    results = handmade_class()
    out = tmp_path / "out"
    write_reports(out, results)
    eve = results[1]
    for size, kind in ((DESKTOP, "desktop"), (PHONE, "phone")):
        browser.show(out / "feedback" / "s001.html", size)
        assert browser.js("return window.pwned;") is None  # the name's script did not run
        assert browser.texts("h1") == [LAB]
        assert exercise_rows(browser) == [f"{e.id} · {e.title}" for e in eve.exercises]
        page = browser.js("return document.body.innerText;")
        assert f"Eve {PWNED}" in page and "(s001)" in page
        assert "Graded on 2 December 2026" in page
        assert "Canvas marked this submission late" not in page  # s001 is not late
        assert "Status: timeout" in page and "ran past its time limit" in page
        assert "x" * 160 in page.replace("\n", "")  # the long hint is all there, wrapped
        browser.screenshot(shots / f"feedback-titles-{kind}.png")
        if kind == "phone":
            check_fits(browser, "feedback s001")

        browser.show(out / "feedback" / "s005.html", size)
        assert "Canvas marked this submission late." in browser.texts(".late")[0]
        assert "Status: tampered" in browser.js("return document.body.innerText;")
        browser.screenshot(shots / f"feedback-late-{kind}.png")
        if kind == "phone":
            check_fits(browser, "feedback s005")

        browser.show(out / "summary.html", size)
        assert browser.js("return window.pwned;") is None
        assert browser.texts("h1") == [LAB]
        rows = browser.js(
            "return Array.from(document.querySelectorAll('table.rates tbody tr'), r =>"
            " Array.from(r.cells, c => c.textContent));"
        )
        titles = {row[0]: row[1] for row in rows}
        assert titles == {f"ex{i:02d}": title for i, (title, _) in enumerate(EXERCISES, 1)}
        bars = browser.js(
            "return Array.from(document.querySelectorAll('figure.histogram g.bin'),"
            " g => Number(g.dataset.count));"
        )
        assert len(bars) == 31 and bars == per_point(results, 30) and sum(bars) == 24
        assert "name" in browser.texts("table.students thead th")
        browser.screenshot(shots / f"summary-titles-{kind}.png")
        if kind == "phone":
            check_fits(browser, "summary with titles")


def test_summary_of_a_100_point_lab_has_about_20_bars(browser, tmp_path, shots):
    results = wide_class()
    write_reports(tmp_path / "out", results)
    for size, kind in ((DESKTOP, "desktop"), (PHONE, "phone")):
        browser.show(tmp_path / "out" / "summary.html", size)
        assert browser.texts("h1") == ["Class summary"]  # results of old runs name no lab
        bars = browser.js(
            "return Array.from(document.querySelectorAll('figure.histogram g.bin'),"
            " g => g.querySelector('title').textContent);"
        )
        assert len(bars) == 20
        assert bars[0] == "0 to under 5 points: 1 student"
        assert bars[-1] == "95 to 100 points: 3 students"
        browser.screenshot(shots / f"summary-100-points-{kind}.png")
        if kind == "phone":
            check_fits(browser, "summary of 100 points")
