"""TP8's student notebook in JupyterLab, in headless Chromium: its F1-by-threshold plot seen.

The plot is what TP8 asks students to look at (F1 as a function of the threshold, answerable and
unanswerable questions apart). Two ways to show that JupyterLab displays it:

* by default, the student notebook as a student leaves it after solving and running it: every
  exercise typed in from the solution, and each cell's outputs those of the solution's committed
  offline run. The page must show the figure as an image that the browser decoded, at a size a
  student can read, under the cell that draws it, and the checks' success lines.
* with ``TP_WHOLE_CLASS=1`` (about two minutes: the whole offline run), the same notebook without
  outputs, run from JupyterLab's Run menu ("Run All Cells") in a live kernel: the kernel must
  draw the figure inline and the page show it.

Screenshots go to the test's temporary folder and the last one to ``runs/browser/``. Without
Chromium and chromedriver the tests are skipped with the reason (``tests/test_browser.py``).
"""

from __future__ import annotations

import contextlib
import copy
import os
import shutil
import time
from dataclasses import replace
from pathlib import Path

import nbformat
import pytest

from tp_helpers.grading.model.source import Region, find_regions, read_source, substitute

from .test_browser import (
    CELL_TIMEOUT,
    REPO,
    SCREENSHOT_COPY,
    NotebookPage,
    jupyterlab,
    lab_env,
)

pytestmark = pytest.mark.slow

SOLUTION = REPO / "solutions" / "tp8_unanswerable.ipynb"
STUDENT = REPO / "notebooks" / "tp8_unanswerable.ipynb"
#: a line of the cell that draws the plot, and one of the cell before the first exercise
PLOT_CELL = 'label="F1 (all questions)"'
PROFILE_CELL = "get_profile("
#: the decoded figure must be at least this wide, in image pixels and on the page
MIN_WIDTH = 300
#: seconds for the whole offline notebook run from the browser, on a busy 2-core machine
RUN_ALL_TIMEOUT = 900

#: the figure under ``cell``: its natural and displayed widths, once decoded; null before
FIGURE = (
    "const img = arguments[0].querySelector('.jp-OutputArea-output img');"
    "if (img === null || !img.complete || img.naturalWidth === 0) return null;"
    "return [img.naturalWidth, img.getBoundingClientRect().width];"
)


def solved_notebook(with_outputs: bool) -> nbformat.NotebookNode:
    """The student notebook with every exercise typed in from the solution (no nbgrader
    markers); with the outputs and execution counts of the solution's cell of the same id."""
    nb = nbformat.read(STUDENT, as_version=4)
    regions: dict[str, Region] = {}
    for step in read_source(SOLUTION).steps:
        for region in getattr(step, "regions", ()):
            lines = tuple(line for line in region.lines if "### " not in line)
            regions[region.exercise_id] = replace(region, lines=lines)
    stored = {cell.get("id"): cell for cell in nbformat.read(SOLUTION, as_version=4).cells}
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        found = {r.exercise_id: regions[r.exercise_id] for r in find_regions(cell.source)[0]}
        if found:
            cell.source = substitute(cell.source, found)
        if with_outputs and cell.get("id") in stored:
            cell.outputs = copy.deepcopy(stored[cell.id].get("outputs", []))
            cell.execution_count = stored[cell.id].get("execution_count")
    return nb


def scroll_to_cell(page: NotebookPage, text: str, timeout: float):
    """The code cell showing ``text``, scrolled into view (the notebook paints what is near)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        cell = page.cell_with(text)
        if cell is not None:
            page.show(cell, "center")
            return cell
        page.driver.execute_script(
            "const p = document.querySelector('.jp-NotebookPanel .jp-WindowedPanel-outer');"
            "if (p !== null) p.scrollBy(0, 700);"
        )
        time.sleep(0.2)
    shot = page.screenshot("no-plot-cell")
    raise AssertionError(f"no cell showing {text!r} after scrolling for {timeout:.0f} s ({shot})")


def wait_for_figure(page: NotebookPage, text: str, timeout: float) -> tuple[object, list]:
    """The plot cell and its figure's ``[natural width, displayed width]``, once shown."""
    cell = scroll_to_cell(page, text, timeout)

    def figure():
        page.show(cell, "center")
        return page.driver.execute_script(FIGURE, cell)

    return cell, page.wait(figure, timeout, "the F1-by-threshold figure to be shown")


def check_lines(page: NotebookPage) -> list[str]:
    """Every check's success line on the page (in the DOM, seen or not yet painted)."""
    return page.driver.execute_script(
        "return Array.from(document.querySelectorAll('.jp-Notebook .jp-OutputArea-output'))"
        ".map(o => o.textContent.trim()).filter(t => t.startsWith('✓ Exercise'));"
    )


def open_notebook(work: Path, driver, nb, stack: contextlib.ExitStack) -> NotebookPage:
    root = work / "student"
    root.mkdir()
    nbformat.write(nb, root / STUDENT.name)
    env = lab_env(work, {"TP_PROFILE": "offline", "HF_HUB_OFFLINE": "1"})
    lab = stack.enter_context(jupyterlab(root, work, env))
    page = NotebookPage(driver, work / "screenshots")
    page.open(lab.notebook_url(STUDENT.name), PROFILE_CELL)
    return page


def keep_screenshot(shot: Path, name: str, started: float, capsys) -> None:
    SCREENSHOT_COPY.mkdir(parents=True, exist_ok=True)
    copy_path = SCREENSHOT_COPY / name
    shutil.copyfile(shot, copy_path)
    with capsys.disabled():
        print(f"\nbrowser test: {time.monotonic() - started:.0f} s; screenshot {copy_path}")


def test_the_solved_tp8_notebook_shows_its_plot_in_jupyterlab(browser_work, capsys):
    work, driver = browser_work
    started = time.monotonic()
    with contextlib.ExitStack() as stack:
        page = open_notebook(work, driver, solved_notebook(with_outputs=True), stack)
        cell, (natural, shown) = wait_for_figure(page, PLOT_CELL, 60)
        assert natural >= MIN_WIDTH and shown >= MIN_WIDTH, (natural, shown)
        assert "plt.show()" in page.source(cell)
        shot = page.screenshot("tp8-f1-by-threshold")
        passed = check_lines(page)
    assert [line[2:13] for line in passed] == [f"Exercise {n:02d}" for n in range(1, 15)], passed
    keep_screenshot(shot, "tp8_unanswerable-f1-by-threshold.png", started, capsys)


def test_a_student_runs_all_of_tp8_in_jupyterlab_and_sees_the_plot(browser_work, capsys):
    if os.environ.get("TP_WHOLE_CLASS", "") != "1":
        pytest.skip("the whole TP8 notebook run in JupyterLab (~2 min); TP_WHOLE_CLASS=1 runs it")
    from selenium.webdriver.common.by import By

    work, driver = browser_work
    started = time.monotonic()
    with contextlib.ExitStack() as stack:
        page = open_notebook(work, driver, solved_notebook(with_outputs=False), stack)
        assert page.driver.execute_script(FIGURE, page.cell_with(PROFILE_CELL)) is None
        menu = driver.find_elements(By.CSS_SELECTOR, ".lm-MenuBar-item")
        next(item for item in menu if item.text.strip() == "Run").click()
        entries = driver.find_elements(By.CSS_SELECTOR, ".lm-Menu-item")
        next(item for item in entries if item.text.strip().startswith("Run All Cells")).click()
        cell, (natural, shown) = wait_for_figure(page, PLOT_CELL, RUN_ALL_TIMEOUT)
        assert natural >= MIN_WIDTH and shown >= MIN_WIDTH, (natural, shown)
        shot = page.screenshot("tp8-run-all-f1-by-threshold")
        page.wait(lambda: len(check_lines(page)) == 14, CELL_TIMEOUT, "the 14 checks' lines")
    keep_screenshot(shot, "tp8_unanswerable-run-all-f1-by-threshold.png", started, capsys)
