"""Execute a notebook in the *current* Python environment and collect its results.

nbclient starts the kernel named in the notebook (``python3``), and a user-level kernelspec of that
name may point at another interpreter. We therefore write a private kernelspec for
``sys.executable`` and run the notebook with it, whatever the machine has installed.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path

from .errors import TPError

SOLUTION_NOTEBOOK = Path("solutions") / "tp7_qa.ipynb"
KERNEL_NAME = "tp-course-python"

#: run after the notebook, in its kernel, to read the figures back (never saved in the notebook):
#: TP7's variables. A lab whose checks module has a ``run_summary(namespace)`` function reads its
#: own (:data:`_LAB_PROBE`).
_SUMMARY_PROBE = """
import json as _json
_eval_losses = [h["eval_loss"] for h in trainer.state.log_history if "eval_loss" in h]
print(_json.dumps({
    "exact_match": float(results["exact_match"]),
    "f1": float(results["f1"]),
    "baseline_exact_match": float(baseline["exact_match"]),
    "baseline_f1": float(baseline["f1"]),
    "train_steps": int(train_result.global_step),
    "train_loss": float(train_result.training_loss),
    "eval_loss": _eval_losses[-1] if _eval_losses else None,
    "profile": profile.name,
}))
"""
_LAB_PROBE = """
import json as _json
from tp_helpers.checks import {module} as _lab_checks
print(_json.dumps(_lab_checks.run_summary(globals())))
"""
#: figures of a lab's own that the last line of ``tp-course run`` shows, when the lab has them
LINE_EXTRAS = ("HasAns_f1", "NoAns_f1")


@dataclass
class RunSummary:
    profile: str
    seconds: float
    exact_match: float
    f1: float
    train_steps: int
    #: the mean training loss over the run, and the validation loss of the last evaluation
    train_loss: float
    eval_loss: float | None
    #: the untrained model's scores (a lab that does not measure them leaves them out)
    baseline_exact_match: float | None = None
    baseline_f1: float | None = None
    #: the lab's own figures (TP8: HasAns_f1, NoAns_f1, the threshold chosen, ...)
    extra: dict = field(default_factory=dict)

    def line(self) -> str:
        """The last line ``tp-course run`` prints."""
        extras = "".join(
            f" {key}={self.extra[key]:.1f}" for key in LINE_EXTRAS if key in self.extra
        )
        return (
            f"exact_match={self.exact_match:.1f} f1={self.f1:.1f}{extras} "
            f"seconds={self.seconds:.1f}"
        )

    def to_json(self) -> dict:
        """summary.json: the fields, with the lab's own figures beside them (not nested)."""
        figures = asdict(self)
        extra = figures.pop("extra")
        if self.baseline_exact_match is None:
            figures.pop("baseline_exact_match")
            figures.pop("baseline_f1")
        return {**figures, **extra}

    @classmethod
    def from_probe(cls, figures: dict, seconds: float) -> RunSummary:
        names = {f.name for f in fields(cls)} - {"extra", "seconds"}
        known = {key: value for key, value in figures.items() if key in names}
        extra = {key: value for key, value in figures.items() if key not in names}
        return cls(seconds=round(seconds, 1), extra=extra, **known)


def summary_probe(notebook: Path) -> str:
    """The code that reads the figures back: the lab's ``run_summary`` when its checks module
    (``tp_helpers.checks.<notebook name>``) has one, else TP7's variables."""
    import importlib

    try:
        checks = importlib.import_module(f"tp_helpers.checks.{notebook.stem}")
    except ImportError:
        return _SUMMARY_PROBE
    if callable(getattr(checks, "run_summary", None)):
        return _LAB_PROBE.format(module=notebook.stem)
    return _SUMMARY_PROBE


def write_kernelspec(folder: Path) -> Path:
    """Write a kernelspec running ipykernel with this interpreter; return the kernels folder."""
    spec_dir = folder / "kernels" / KERNEL_NAME
    spec_dir.mkdir(parents=True, exist_ok=True)
    spec = {
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": f"Python ({sys.executable})",
        "language": "python",
    }
    (spec_dir / "kernel.json").write_text(json.dumps(spec), encoding="utf-8")
    return folder / "kernels"


def execute_notebook(
    notebook_path: Path,
    *,
    cwd: Path,
    env: dict[str, str] | None = None,
    timeout: int = 1800,
    extra_source: str | None = None,
):
    """Execute ``notebook_path`` with a kernel of this interpreter; return ``(nb, extra_output)``.

    ``extra_source``, if given, runs after the last cell in the same kernel; its printed output is
    returned and the cell is removed from the returned notebook.
    """
    import nbformat
    from jupyter_client.kernelspec import KernelSpecManager
    from jupyter_client.manager import KernelManager
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError

    nb = nbformat.read(notebook_path, as_version=4)
    original_kernelspec = nb.metadata.get("kernelspec", {})
    if extra_source is not None:
        nb.cells.append(nbformat.v4.new_code_cell(extra_source))
    with tempfile.TemporaryDirectory(prefix="tp-kernel-") as tmp:
        kernels = write_kernelspec(Path(tmp))
        ksm = KernelSpecManager(kernel_dirs=[str(kernels)])
        km = KernelManager(kernel_name=KERNEL_NAME, kernel_spec_manager=ksm)
        client = NotebookClient(
            nb,
            km=km,
            timeout=timeout,
            resources={"metadata": {"path": str(cwd)}},
        )
        try:
            # The kernel gets its own environment (this process's is left alone). Its own
            # stderr only carries its start-up chatter; what cells print to stderr reaches the
            # notebook through the kernel protocol.
            client.execute(
                cwd=str(cwd), env={**os.environ, **(env or {})}, stderr=subprocess.DEVNULL
            )
        except CellExecutionError as exc:
            raise NotebookFailed(notebook_path, exc) from None
    nb.metadata["kernelspec"] = original_kernelspec  # not the private spec we ran with
    for cell in nb.cells:
        cell.metadata.pop("execution", None)  # timestamps: noise in every diff
    extra_output = ""
    if extra_source is not None:
        probe = nb.cells.pop()
        extra_output = "".join(
            o.get("text", "") for o in probe.outputs if o.output_type == "stream"
        )
    return nb, extra_output


class NotebookFailed(TPError):
    """A cell raised while the notebook ran."""

    exit_code = 1

    def __init__(self, path: Path, error: Exception) -> None:
        plain = re.sub(r"\x1b\[[0-9;]*m", "", str(error))  # IPython colours tracebacks
        lines = plain.strip().splitlines()
        tail = "\n".join(lines[-12:])
        super().__init__(
            f"{path} failed while running:\n{tail}\n"
            "Open the notebook in Jupyter and run it cell by cell to see the failing cell."
        )


def run_solution(
    profile_name: str, out_dir: Path, notebook: Path = SOLUTION_NOTEBOOK, timeout: int = 1800
) -> RunSummary:
    """Run the solution notebook in ``profile_name``; write the executed copy and summary.json."""
    import nbformat

    if not notebook.is_file():
        raise TPError(
            f"solution notebook {notebook} not found; run tp-course from the course repository "
            "root, or pass --notebook."
        )
    out_dir.mkdir(parents=True, exist_ok=True)
    env = {"TP_PROFILE": profile_name}
    started = time.perf_counter()
    nb, probe_output = execute_notebook(
        notebook, cwd=out_dir, env=env, timeout=timeout, extra_source=summary_probe(notebook)
    )
    seconds = time.perf_counter() - started
    figures = json.loads(probe_output.strip().splitlines()[-1])
    summary = RunSummary.from_probe(figures, seconds)
    nbformat.write(nb, out_dir / notebook.name)
    (out_dir / "summary.json").write_text(json.dumps(summary.to_json(), indent=2) + "\n")
    return summary
