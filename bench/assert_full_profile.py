"""Assert that a full-profile run reproduces the seed's reference outputs (docs/contributing.md).

    tp-course run --profile full --out runs/gpu
    python bench/assert_full_profile.py runs/gpu

Reads ``runs/gpu/tp7_qa.ipynb`` (the executed solution notebook) and ``runs/gpu/summary.json``,
prints one line per figure (expected, found) and exits 1 when any figure differs, 2 when the run
folder lacks a file. The GPU workflow (``.github/workflows/gpu.yml``) runs it after the notebook.

Exact figures come from the data and the tokenizer, so they must match to the unit: 876 / 106
rows, 2 features of lengths [384, 157] for the first long example, (5, 384) for five rows, 908
train and 106 validation features, 57 steps per epoch, 285 steps, logits (16, 384).

EM / F1 are compared with the seed's 39.6 / 42.6 within ±8 points (:data:`SCORE_TOLERANCE`).
Fine-tuning is stochastic: the new ``qa_outputs`` layer's random start, GPU kernels that are not
bit-for-bit deterministic, mixed precision (the seed ran in fp32 on a 2022 Colab GPU, the runner
in bf16 or fp16) and newer library versions all move the scores. On 106 validation questions one
answer is 0.94 EM points, so ±8 points is about 8 answers: wide enough for that run-to-run spread,
narrow enough to catch what breaks a QA pipeline (an untrained head scores EM ≈ 0-5, a
post-processing bug or a wrong label loop typically halves the score).

The figures are parsed from what the notebook prints (stream and text outputs), not from cell
positions: a figure that appears in several outputs (a cell and its check line) must agree. When
the notebook's wording changes, a figure is reported "not found" with its pattern, and the fix
is to update :data:`FIGURES` here.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

NOTEBOOK_NAME = "tp7_qa.ipynb"
SUMMARY_NAME = "summary.json"

#: the seed's scores after 5 epochs (docs/contributing.md), and the allowed distance in points
SEED_EXACT_MATCH = 39.6
SEED_F1 = 42.6
SCORE_TOLERANCE = 8.0


def _ints(text: str) -> list[int]:
    return [int(value) for value in re.findall(r"-?\d+", text)]


@dataclass(frozen=True)
class Figure:
    """One reference output: where the notebook prints it, and its expected value."""

    name: str
    pattern: str  # a regular expression (MULTILINE) over one output's text
    parse: Callable[[re.Match], Any]
    expected: Any


#: the reference outputs of the full profile, from the seed (docs/contributing.md)
FIGURES: list[Figure] = [
    Figure(
        "train rows",
        r"^train: (\d+) rows -> \d+ features",
        lambda m: int(m[1]),
        876,
    ),
    Figure(
        "validation rows",
        r"^validation: (\d+) rows -> \d+ features",
        lambda m: int(m[1]),
        106,
    ),
    Figure(
        "train_dataset[0] id",
        r"^\{'id': '(\w+)'",
        lambda m: m[1],
        "5733be284776f41900661182",
    ),
    Figure(
        "custom pair: number of ids, first five",
        r"^\[([\d, ]+)\]\n(\d+) ids$",
        lambda m: (int(m[2]), _ints(m[1])[:5]),
        (27, [101, 7632, 1010, 1045, 2052]),
    ),
    Figure(
        "first long example id",
        r"^row \d+: id=(\w+) tokens=\d+",
        lambda m: m[1],
        "5733caf74776f4190066124c",
    ),
    Figure(
        "first long example: features, lengths",
        r"(\d+) features of lengths \[([\d, ]*)\]",
        lambda m: (int(m[1]), _ints(m[2])),
        (2, [384, 157]),
    ),
    Figure(
        "five rows: features shape",
        r"^\((\d+), (\d+)\) \(features, tokens\)",
        lambda m: (int(m[1]), int(m[2])),
        (5, 384),
    ),
    Figure(
        "train features",
        r"^train: \d+ rows -> (\d+) features",
        lambda m: int(m[1]),
        908,
    ),
    Figure(
        "validation features",
        r"^validation: \d+ rows -> (\d+) features",
        lambda m: int(m[1]),
        106,
    ),
    Figure(
        "steps per epoch",
        r"(\d+) steps per epoch",
        lambda m: int(m[1]),
        57,
    ),
    Figure(
        "training steps",
        r"(\d+) optimisation steps",
        lambda m: int(m[1]),
        285,
    ),
    Figure(
        "logits of one batch: start, end",
        r"torch\.Size\(\[(\d+), (\d+)\]\) torch\.Size\(\[(\d+), (\d+)\]\)",
        lambda m: ((int(m[1]), int(m[2])), (int(m[3]), int(m[4]))),
        ((16, 384), (16, 384)),
    ),
]


@dataclass
class Finding:
    """One line of the report."""

    name: str
    expected: Any
    found: Any
    ok: bool
    note: str = ""

    def line(self) -> str:
        mark = "ok  " if self.ok else "FAIL"
        text = f"{mark} {self.name}: expected {self.expected!r}, found {self.found!r}"
        return f"{text} ({self.note})" if self.note else text


def output_texts(nb: dict) -> list[str]:
    """The text of every output of every code cell: streams, and text/plain of results."""
    texts = []
    for cell in nb.get("cells", []):
        if cell.get("cell_type") != "code":
            continue
        for output in cell.get("outputs", []):
            if output.get("output_type") == "stream":
                text = output.get("text", "")
            else:
                text = output.get("data", {}).get("text/plain", "")
            texts.append(text if isinstance(text, str) else "".join(text))
    return texts


def find_figure(figure: Figure, texts: list[str]) -> Finding:
    """Every match of ``figure`` in the outputs; one value, equal to the expected one."""
    pattern = re.compile(figure.pattern, re.MULTILINE)
    values = []
    for text in texts:
        for match in pattern.finditer(text):
            value = figure.parse(match)
            if value not in values:
                values.append(value)
    if not values:
        note = f"no output matches {figure.pattern!r}; update FIGURES in {Path(__file__).name}"
        return Finding(figure.name, figure.expected, None, False, note)
    if len(values) > 1:
        return Finding(
            figure.name, figure.expected, values, False, "outputs disagree: several values"
        )
    return Finding(figure.name, figure.expected, values[0], values[0] == figure.expected)


def check_notebook(nb: dict) -> list[Finding]:
    """The reference figures, no error output, and a ✓ line for every check cell."""
    texts = output_texts(nb)
    findings = [find_figure(figure, texts) for figure in FIGURES]
    errors = [
        f"{output.get('ename')}: {output.get('evalue')}"
        for cell in nb.get("cells", [])
        for output in cell.get("outputs", [])
        if output.get("output_type") == "error"
    ]
    findings.append(Finding("error outputs", [], errors, not errors))
    checks = sorted(
        cell["metadata"]["nbgrader"]["grade_id"].removeprefix("ex").removesuffix("_check")
        for cell in nb.get("cells", [])
        if cell.get("metadata", {}).get("nbgrader", {}).get("grade")
    )
    passed = sorted(
        {match[1] for text in texts for match in re.finditer(r"^✓ Exercise (\w+):", text, re.M)}
    )
    missing = [exercise for exercise in checks if exercise not in passed]
    findings.append(
        Finding(
            "check cells without their ✓ line",
            [],
            missing,
            bool(checks) and not missing,
            f"{len(passed)} of {len(checks)} checks passed",
        )
    )
    return findings


def _score(name: str, value: Any, seed: float) -> Finding:
    expected = f"{seed} ± {SCORE_TOLERANCE:g}"
    if not isinstance(value, (int, float)):
        return Finding(name, expected, value, False, "not a number")
    return Finding(name, expected, value, abs(value - seed) <= SCORE_TOLERANCE)


def check_summary(summary: dict) -> list[Finding]:
    """summary.json: the full profile, 285 steps, EM/F1 within the tolerance of the seed's."""
    return [
        Finding("profile", "full", summary.get("profile"), summary.get("profile") == "full"),
        Finding("train_steps", 285, summary.get("train_steps"), summary.get("train_steps") == 285),
        _score("exact_match", summary.get("exact_match"), SEED_EXACT_MATCH),
        _score("f1", summary.get("f1"), SEED_F1),
    ]


def check_run(run_dir: Path) -> list[Finding]:
    """Every finding for a ``tp-course run --out`` folder (FileNotFoundError: a file is missing)."""
    notebook, summary = run_dir / NOTEBOOK_NAME, run_dir / SUMMARY_NAME
    for path in (notebook, summary):
        if not path.is_file():
            raise FileNotFoundError(
                f"{path} not found: pass the --out folder of `tp-course run --profile full`."
            )
    nb = json.loads(notebook.read_text(encoding="utf-8"))
    return check_notebook(nb) + check_summary(json.loads(summary.read_text(encoding="utf-8")))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("run_dir", type=Path, help="the --out folder of tp-course run")
    args = parser.parse_args(argv)
    try:
        findings = check_run(args.run_dir)
    except (FileNotFoundError, json.JSONDecodeError) as exc:
        print(f"assert_full_profile: error: {exc}", file=sys.stderr)
        return 2
    for finding in findings:
        print(finding.line())
    failed = [finding for finding in findings if not finding.ok]
    if failed:
        print(f"{len(failed)} of {len(findings)} figures differ from the seed's")
        return 1
    print(f"all {len(findings)} figures match the seed's")
    return 0


if __name__ == "__main__":
    sys.exit(main())
