"""Is the Trainer's live progress table visible while the notebook trains in JupyterLab? (issue 6)

    python bench/browser_training_progress.py [--out runs/browser]

Opens ``solutions/tp7_qa.ipynb`` in JupyterLab through headless Chromium (the set-up of
``tests/test_browser.py``: token auth, a ``python3`` kernel of this interpreter, the offline
profile), clicks Run > Run All Cells, and watches the training cell (``trainer.train()``): one
screenshot when its progress bar first shows, one when the per-epoch table has a row while it
still trains, one after. It prints (and writes to ``OUT/training_progress.json``) whether a
``<progress>`` element and the epoch table (Epoch, Training Loss, Validation Loss) were displayed.

Not part of CI: it trains for real (about a minute and a half on 2 cores). Exit 0 when both were
seen while training, 1 when not, 2 when no browser could be started.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import shutil
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tests.test_browser import (  # noqa: E402  (the repository root must be importable first)
    PROMPT_NUMBER,
    SOLUTION_NOTEBOOK,
    BrowserUnavailable,
    NotebookPage,
    chromium,
    jupyterlab,
    lab_env,
)

TRAINING_CELL = "trainer.train()"
LAST_CELL = 'print(f"exact_match='
#: what the training cell's output shows, read from the page in one go
PROBE = """
const cell = arguments[0];
const bars = Array.from(cell.querySelectorAll('.jp-OutputArea-output progress'));
const table = cell.querySelector('.jp-OutputArea-output table');
const shown = e => e !== null && e.getClientRects().length > 0
    && e.getBoundingClientRect().width > 0 && getComputedStyle(e).visibility !== 'hidden';
return {
  progress_elements: bars.length,
  progress_displayed: bars.some(shown),
  progress: bars.map(b => [Number(b.value), Number(b.max)]),
  progress_text: bars.length ? bars[0].parentElement.innerText.trim().slice(0, 200) : null,
  table_displayed: shown(table),
  table_headers: table ? Array.from(table.querySelectorAll('th')).map(t => t.innerText.trim()) : [],
  table_rows: table ? table.querySelectorAll('tbody tr').length : 0,
};
"""


def run_all_cells(page: NotebookPage) -> None:
    """Run > Run All Cells, through the menu bar, as a user clicks it."""
    from selenium.webdriver.common.by import By

    menus = page.driver.find_elements(By.CSS_SELECTOR, ".lm-MenuBar-item")
    next(m for m in menus if m.text.strip() == "Run").click()
    item = page.wait(
        lambda: [
            label
            for label in page.driver.find_elements(By.CSS_SELECTOR, ".lm-Menu .lm-Menu-itemLabel")
            if label.text.strip() == "Run All Cells"
        ],
        10,
        "the Run All Cells menu item",
    )
    item[0].click()


def watch(page: NotebookPage, timeout: float, started: float) -> dict:
    """Follow the training cell until it has run; screenshots on the way.

    ``started``: the ``time.monotonic()`` of the click on Run All Cells.
    """
    cell = page.wait(lambda: page.cell_with(TRAINING_CELL), 60, "the training cell")
    report: dict = {"screenshots": {}, "running": None, "running_with_table": None}
    while time.monotonic() - started < timeout:
        prompt = page.prompt(cell)
        running = "*" in prompt
        state = page.driver.execute_script(PROBE, cell)
        if running and state["progress_elements"]:
            if report["running"] is None or (
                report["running_with_table"] is None and state["table_rows"]
            ):
                page.show(cell, "center")
                state = page.driver.execute_script(PROBE, cell)  # now in view
                key = "running" if report["running"] is None else "running_with_table"
                name = "training-running" if key == "running" else "training-running-epoch-table"
                report["screenshots"][key] = str(page.screenshot(name))
                report[key] = {
                    **state,
                    "seconds_after_run_all": round(time.monotonic() - started, 1),
                }
        if PROMPT_NUMBER.search(prompt):  # it has run
            break
        time.sleep(0.5)
    page.show(cell, "center")
    report["after"] = page.driver.execute_script(PROBE, cell)
    report["screenshots"]["after"] = str(page.screenshot("training-done"))
    return report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=REPO / "runs" / "browser")
    parser.add_argument("--timeout", type=float, default=900, help="seconds for the whole run")
    args = parser.parse_args(argv)
    out = args.out.resolve()
    with contextlib.ExitStack() as stack:
        work = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="tp-browser-")))
        root = work / "lab"
        root.mkdir()
        shutil.copyfile(SOLUTION_NOTEBOOK, root / SOLUTION_NOTEBOOK.name)
        env = lab_env(work, {"TP_PROFILE": "offline", "HF_HUB_OFFLINE": "1"})
        try:
            driver = stack.enter_context(chromium(work))
        except BrowserUnavailable as exc:
            print(f"browser_training_progress: no headless Chromium: {exc}", file=sys.stderr)
            return 2
        lab = stack.enter_context(jupyterlab(root, work, env))
        page = NotebookPage(driver, out)
        page.open(lab.notebook_url(SOLUTION_NOTEBOOK.name), "get_profile()")
        page.click_in(page.cell_with(""))
        started = time.monotonic()
        run_all_cells(page)
        report = watch(page, args.timeout, started)
        last = page.wait(lambda: page.cell_with(LAST_CELL), 60, "the last cell")
        page.wait(lambda: page.outputs(last), args.timeout, "the run to end")
        report["last_line"] = page.outputs(last)[0]
        report["seconds_run_all"] = round(time.monotonic() - started, 1)
    running = report["running"] or {}
    report["progress_visible_while_training"] = bool(running.get("progress_displayed"))
    report["epoch_table_visible_while_training"] = bool(
        (report["running_with_table"] or {}).get("table_displayed")
    )
    out.mkdir(parents=True, exist_ok=True)
    (out / "training_progress.json").write_text(json.dumps(report, indent=2) + "\n")
    print(json.dumps(report, indent=2))
    ok = report["progress_visible_while_training"] and report["epoch_table_visible_while_training"]
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
