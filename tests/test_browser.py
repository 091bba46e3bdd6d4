"""The student notebook in a real browser: JupyterLab on localhost, driven by headless Chromium.

What a student does and sees, from the page only: open ``notebooks/tp7_qa.ipynb``, click in the
first code cell, press Shift+Enter down to the check of exercise 01 (waiting for each cell like a
student would), read the profile line, the stub's ``NotImplementedError`` naming "Exercise 01" and
the check's hint under it; then type exercise 01's solution into the cell, run it and its check
again, and read the ✓ line. Screenshots go to the test's temporary folder; the last one is also
copied to ``runs/browser/`` and its path printed.

The browser is Debian's ``chromium`` and ``chromium-driver`` (``/usr/bin/chromium``,
``/usr/bin/chromedriver``; ``.ci/run`` installs them), or those named by ``TP_CHROMIUM`` and
``TP_CHROMEDRIVER``. When they are missing or do not start, the test is skipped with the reason.

The helpers here (:func:`jupyterlab`, :func:`chromium`, :class:`NotebookPage`) are also used by
``bench/browser_training_progress.py``.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
STUDENT_NOTEBOOK = REPO / "notebooks" / "tp7_qa.ipynb"
SOLUTION_NOTEBOOK = REPO / "solutions" / "tp7_qa.ipynb"
SCREENSHOT_COPY = REPO / "runs" / "browser"

CHROMIUM = ("/usr/bin/chromium", "chromium", "chromium-browser", "google-chrome")
CHROMEDRIVER = ("/usr/bin/chromedriver", "chromedriver")
#: a headless browser that reaches nothing but the local JupyterLab
CHROMIUM_FLAGS = (
    "--headless=new",
    "--disable-gpu",
    "--disable-dev-shm-usage",  # containers give /dev/shm 64 MB
    "--disable-quic",
    "--no-first-run",
    "--no-default-browser-check",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-extensions",
    "--window-size=1400,1100",
)
#: seconds for one cell (kernel start and the first imports included) on a busy 2-core machine
CELL_TIMEOUT = 240


class BrowserUnavailable(Exception):
    """No usable Chromium / chromedriver: the reason is the message."""


# --- the browser -----------------------------------------------------------------------------


def find_browser() -> tuple[str, str]:
    """``(chromium, chromedriver)`` paths: ``TP_CHROMIUM`` / ``TP_CHROMEDRIVER``, else Debian's."""

    def first(variable: str, names: tuple[str, ...]) -> str:
        wanted = os.environ.get(variable)
        for name in (wanted,) if wanted else names:
            path = shutil.which(name)
            if path:
                return path
        raise BrowserUnavailable(
            f"{wanted or ' / '.join(names)} not found (set {variable}, or install Debian's "
            "chromium and chromium-driver: apt-get install -y chromium chromium-driver)"
        )

    return first("TP_CHROMIUM", CHROMIUM), first("TP_CHROMEDRIVER", CHROMEDRIVER)


@contextlib.contextmanager
def chromium(work: Path) -> Iterator:
    """A selenium driver of headless Chromium with a fresh profile in ``work``."""
    try:
        from selenium import webdriver
        from selenium.common.exceptions import WebDriverException
        from selenium.webdriver.chrome.service import Service
    except ImportError as exc:
        raise BrowserUnavailable(
            f'selenium is not installed ({exc}): pip install -e ".[dev]"'
        ) from None
    browser, driver_path = find_browser()
    options = webdriver.ChromeOptions()
    options.binary_location = browser
    for flag in CHROMIUM_FLAGS:
        options.add_argument(flag)
    # Chromium's sandbox needs user namespaces, which root and most containers do not give.
    options.add_argument("--no-sandbox")
    options.add_argument(f"--user-data-dir={work / 'chromium-profile'}")
    # An explicit driver path: selenium does not run Selenium Manager (no download, ever).
    service = Service(executable_path=driver_path, log_output=str(work / "chromedriver.log"))
    try:
        driver = webdriver.Chrome(service=service, options=options)
    except WebDriverException as exc:
        message = exc.msg or str(exc)
        raise BrowserUnavailable(f"{browser} did not start: {message.strip()[:300]}") from None
    try:
        yield driver
    finally:
        driver.quit()


# --- JupyterLab --------------------------------------------------------------------------------


@dataclass
class LabServer:
    url: str  # http://127.0.0.1:PORT
    token: str
    log: Path

    def notebook_url(self, name: str) -> str:
        return f"{self.url}/lab/tree/{name}?token={self.token}"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def write_python3_kernelspec(jupyter_path: Path) -> None:
    """A ``python3`` kernelspec running this interpreter: the kernel the notebook names."""
    spec = jupyter_path / "kernels" / "python3"
    spec.mkdir(parents=True, exist_ok=True)
    (spec / "kernel.json").write_text(
        json.dumps(
            {
                "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
                "display_name": "Python 3 (ipykernel)",
                "language": "python",
            }
        ),
        encoding="utf-8",
    )


def lab_env(work: Path, extra: dict[str, str]) -> dict[str, str]:
    """The server's (and so the kernel's) environment: private Jupyter folders, the profile."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("JUPYTER", "NBGRADER_"))}
    jupyter_path = work / "jupyter-path"
    write_python3_kernelspec(jupyter_path)
    config = work / "jupyter-config"
    # JupyterLab's "official Jupyter news?" toast would cover the outputs in the screenshots.
    (config / "labconfig").mkdir(parents=True, exist_ok=True)
    (config / "labconfig" / "page_config.json").write_text(
        json.dumps({"disabledExtensions": {"@jupyterlab/apputils-extension:announcements": True}})
    )
    env.update(
        JUPYTER_PATH=str(jupyter_path),  # searched before every other kernelspec folder
        JUPYTER_CONFIG_DIR=str(config),
        JUPYTER_DATA_DIR=str(work / "jupyter-data"),
        JUPYTER_RUNTIME_DIR=str(work / "jupyter-runtime"),
        JUPYTERLAB_SETTINGS_DIR=str(work / "lab-settings"),
        JUPYTERLAB_WORKSPACES_DIR=str(work / "lab-workspaces"),
        IPYTHONDIR=str(work / "ipython"),
        OMP_NUM_THREADS="1",
        MPLBACKEND="module://matplotlib_inline.backend_inline",
    )
    env.update(extra)
    return env


@contextlib.contextmanager
def jupyterlab(root: Path, work: Path, env: dict[str, str]) -> Iterator[LabServer]:
    """JupyterLab on 127.0.0.1 (token auth, no browser of its own) serving ``root``."""
    port, token = free_port(), secrets.token_hex(16)
    log = work / "jupyterlab.log"
    command = [
        sys.executable,
        "-m",
        "jupyterlab",
        "--no-browser",
        "--ServerApp.ip=127.0.0.1",
        f"--ServerApp.port={port}",
        "--ServerApp.port_retries=0",
        f"--IdentityProvider.token={token}",
        f"--ServerApp.root_dir={root}",
    ]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        command.append("--allow-root")
    url = f"http://127.0.0.1:{port}"
    with open(log, "w", encoding="utf-8") as log_file:
        server = subprocess.Popen(
            command, cwd=root, env=env, stdout=log_file, stderr=subprocess.STDOUT
        )
        try:
            _wait_for_server(server, url, token, log)
            yield LabServer(url, token, log)
        finally:
            server.terminate()
            try:
                server.wait(timeout=20)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()


def _wait_for_server(server: subprocess.Popen, url: str, token: str, log: Path) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"JupyterLab exited ({server.returncode}):\n{log.read_text()}")
        request = urllib.request.Request(f"{url}/api/status")
        request.add_header("Authorization", f"token {token}")
        try:
            with urllib.request.urlopen(request, timeout=2):
                return
        except (urllib.error.URLError, OSError):
            time.sleep(0.3)
    raise RuntimeError(f"JupyterLab did not answer on {url} in 120 s:\n{log.read_text()}")


# --- the notebook page -----------------------------------------------------------------------

PROMPT_NUMBER = re.compile(r"\[(\d+)\]")


class NotebookPage:
    """A notebook open in JupyterLab, read and driven through the page like a student does."""

    def __init__(self, driver, screenshots: Path) -> None:
        self.driver = driver
        self.screenshots = screenshots
        screenshots.mkdir(parents=True, exist_ok=True)

    # reading
    def wait(self, condition, timeout: float, what: str):
        from selenium.common.exceptions import StaleElementReferenceException

        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                value = condition()
            except StaleElementReferenceException:  # the page re-rendered under us
                value = None
            if value:
                return value
            time.sleep(0.25)
        shot = self.screenshot("timeout")
        raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what} (see {shot})")

    def open(self, url: str, first_code: str) -> None:
        """Load the notebook; wait for its kernel and for a code cell holding ``first_code``."""
        self.driver.get(url)
        self.wait(lambda: self.cell_with(first_code), 120, f"a cell with {first_code!r}")
        self.wait(self.kernel_idle, 120, "the kernel to be idle")

    def kernel_idle(self) -> bool:
        return self.driver.execute_script(
            "const e = document.querySelector('.jp-Notebook-ExecutionIndicator');"
            "return e !== null && e.getAttribute('data-status') === 'idle';"
        )

    def cell_with(self, text: str):
        """The first code cell whose editor shows ``text``, or None (one look at the page)."""
        return self.driver.execute_script(
            "return Array.from(document.querySelectorAll('.jp-Notebook .jp-CodeCell')).find("
            "c => { const e = c.querySelector('.cm-content');"
            " return e !== null && e.textContent.includes(arguments[0]); }) || null;",
            text,
        )

    def active_cell(self):
        from selenium.webdriver.common.by import By

        return self.driver.find_element(By.CSS_SELECTOR, ".jp-Notebook .jp-Cell.jp-mod-active")

    @staticmethod
    def source(cell) -> str:
        from selenium.webdriver.common.by import By

        return "\n".join(
            line.get_attribute("textContent")
            for line in cell.find_elements(By.CSS_SELECTOR, ".cm-content .cm-line")
        )

    @staticmethod
    def prompt(cell) -> str:
        from selenium.webdriver.common.by import By

        prompts = cell.find_elements(By.CSS_SELECTOR, ".jp-InputArea-prompt")
        return prompts[0].get_attribute("textContent").strip() if prompts else ""

    @staticmethod
    def outputs(cell) -> list[str]:
        """The text of each output shown under ``cell``, as displayed."""
        from selenium.webdriver.common.by import By

        return [o.text for o in cell.find_elements(By.CSS_SELECTOR, ".jp-OutputArea-output")]

    # acting
    def shift_enter(self) -> None:
        from selenium.webdriver.common.action_chains import ActionChains
        from selenium.webdriver.common.keys import Keys

        chain = ActionChains(self.driver).key_down(Keys.SHIFT).send_keys(Keys.ENTER)
        chain.key_up(Keys.SHIFT).perform()

    def run_active_cell(self):
        """Shift+Enter on the active cell; for a code cell, wait until it has run. Return it."""
        cell = self.active_cell()
        is_code = "jp-CodeCell" in cell.get_attribute("class")
        before = self.prompt(cell)
        self.shift_enter()
        if is_code:  # a new execution count replaces [ ] or the previous one, [*] in between
            self.wait(
                lambda: PROMPT_NUMBER.search(self.prompt(cell)) and self.prompt(cell) != before,
                CELL_TIMEOUT,
                f"the cell {self.source(cell)[:60]!r} to run",
            )
        return cell

    def click_in(self, cell) -> None:
        from selenium.webdriver.common.by import By

        self.driver.execute_script("arguments[0].scrollIntoView({block: 'center'});", cell)
        cell.find_element(By.CSS_SELECTOR, ".cm-content .cm-line").click()

    def replace_line(self, cell, old: str, lines: list[str]) -> None:
        """Click on the line holding ``old`` and type ``lines`` over it, key by key.

        The editor indents a new line by itself; Shift+Home selects that indentation so that
        each line is typed with exactly its own.
        """
        from selenium.webdriver.common.action_chains import ActionChains
        from selenium.webdriver.common.by import By
        from selenium.webdriver.common.keys import Keys

        self.driver.execute_script("arguments[0].scrollIntoView({block: 'center'});", cell)
        target = next(
            line
            for line in cell.find_elements(By.CSS_SELECTOR, ".cm-content .cm-line")
            if old in line.get_attribute("textContent")
        )
        target.click()
        select_to_indent = ActionChains(self.driver).send_keys(Keys.END).key_down(Keys.SHIFT)
        select_to_indent.send_keys(Keys.HOME).key_up(Keys.SHIFT).perform()
        for i, line in enumerate(lines):
            chain = ActionChains(self.driver)
            if i:
                chain.send_keys(Keys.ENTER).key_down(Keys.SHIFT).send_keys(Keys.HOME)
                chain.key_up(Keys.SHIFT)
            chain.send_keys(line.strip() if i == 0 else line).perform()

    def screenshot(self, name: str) -> Path:
        path = self.screenshots / f"{name}.png"
        self.driver.save_screenshot(str(path))
        return path

    def show(self, element, block: str = "end") -> None:
        self.driver.execute_script(f"arguments[0].scrollIntoView({{block: '{block}'}});", element)
        time.sleep(0.3)  # let the windowed notebook paint what scrolled in


# --- the test ---------------------------------------------------------------------------------

START_01 = "# --- START CODE HERE (01)"


def solution_region(exercise: str) -> list[str]:
    """The solution lines of region ``exercise`` in the solution notebook (markers removed)."""
    nb = json.loads(SOLUTION_NOTEBOOK.read_text(encoding="utf-8"))
    pattern = re.compile(
        rf"^[ \t]*# --- START CODE HERE \({exercise}\)\n[ \t]*### BEGIN SOLUTION\n"
        r"(?P<body>.*?)^[ \t]*### END SOLUTION\n",
        re.M | re.S,
    )
    for cell in nb["cells"]:
        source = "".join(cell["source"])
        if match := pattern.search(source):
            return match["body"].rstrip("\n").split("\n")
    raise LookupError(f"no region {exercise} in {SOLUTION_NOTEBOOK}")


@pytest.mark.slow
def test_a_student_runs_exercise_01_in_jupyterlab(browser_work, capsys):
    work, driver = browser_work
    root = work / "student"
    root.mkdir()
    shutil.copyfile(STUDENT_NOTEBOOK, root / STUDENT_NOTEBOOK.name)
    env = lab_env(work, {"TP_PROFILE": "offline", "HF_HUB_OFFLINE": "1"})
    solution = solution_region("01")
    started = time.monotonic()

    with jupyterlab(root, work, env) as lab:
        forbidden = urllib.request.Request(f"{lab.url}/api/contents")
        with pytest.raises(urllib.error.HTTPError, match="403"):
            urllib.request.urlopen(forbidden, timeout=5)  # token auth is on
        page = NotebookPage(driver, work / "screenshots")
        page.open(lab.notebook_url(STUDENT_NOTEBOOK.name), "get_profile()")
        page.screenshot("01-opened")

        # As a student: click in the first code cell, then Shift+Enter, cell after cell, waiting
        # for each, down to the check under exercise 01.
        page.click_in(page.cell_with(""))  # the first code cell
        for _ in range(40):
            cell = page.run_active_cell()
            if "checks.ex01(" in page.source(cell):
                break
        else:
            raise AssertionError("Shift+Enter never reached the check of exercise 01")

        profile_cell = page.cell_with("get_profile()")
        (profile_line,) = page.outputs(profile_cell)
        assert profile_line.startswith("profile=offline"), profile_line
        stub_output = "\n".join(page.outputs(page.cell_with(START_01)))
        assert "NotImplementedError" in stub_output and "Exercise 01" in stub_output, stub_output
        check = page.cell_with("checks.ex01(")
        hint = "\n".join(page.outputs(check))
        assert "Exercise 01:" in hint and "does not exist yet" in hint, hint
        page.show(check)
        page.screenshot("02-stub-error-and-hint")

        # The student types the solution in place of the stub and runs the cell and its check.
        exercise = page.cell_with(START_01)
        stub = next(
            line for line in page.source(exercise).split("\n") if "NotImplementedError" in line
        )
        expected_source = page.source(exercise).replace(stub, "\n".join(solution))
        page.replace_line(exercise, "NotImplementedError", solution)
        assert page.source(exercise) == expected_source  # typed exactly, indentation included
        page.run_active_cell()  # the exercise; the check cell below becomes the active one
        assert "checks.ex01(" in page.source(page.active_cell())
        page.run_active_cell()

        answer = "\n".join(page.outputs(exercise))
        assert "Dataset(" in answer and "Error" not in answer, answer
        (passed,) = page.outputs(check)
        assert passed.startswith("✓ Exercise 01:"), passed
        page.show(check)
        solved = page.screenshot("03-solved")

    SCREENSHOT_COPY.mkdir(parents=True, exist_ok=True)
    copy = SCREENSHOT_COPY / "tp7_qa-ex01-solved.png"
    shutil.copyfile(solved, copy)
    with capsys.disabled():
        print(
            f"\nbrowser test: {time.monotonic() - started:.0f} s; screenshots in "
            f"{solved.parent}; last one copied to {copy}"
        )
