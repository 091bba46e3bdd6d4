"""The GitHub Actions workflows (and the docs' grading-matrix snippet) against the workflow schema.

``check-jsonschema --builtin-schema vendor.github-workflows`` validates with the schema vendored
in the package (SchemaStore's github-workflow.json): no network. Beyond the schema, the tests pin
what each workflow is for (issue 9): CPU CI in the offline profile running README's
commands, and the GPU runner's full-profile run with its assertions.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from .conftest import REPO

WORKFLOWS = REPO / ".github" / "workflows"
CI, GPU = WORKFLOWS / "ci.yml", WORKFLOWS / "gpu.yml"
README = REPO / "README.md"
SCALING = REPO / "docs" / "scaling-out.md"  # the page holding the grading-matrix snippet


def check_jsonschema(*paths: Path) -> subprocess.CompletedProcess:
    """Run the validator of this environment (dev extras) on ``paths``."""
    exe = Path(sys.executable).with_name("check-jsonschema")
    command = [str(exe)] if exe.is_file() else [shutil.which("check-jsonschema") or ""]
    if not command[0]:
        pytest.fail('check-jsonschema is not installed: pip install -e ".[dev]"')
    return subprocess.run(
        [*command, "--builtin-schema", "vendor.github-workflows", *map(str, paths)],
        capture_output=True,
        text=True,
    )


def load(path: Path) -> dict:
    workflow = yaml.safe_load(path.read_text(encoding="utf-8"))
    workflow["on"] = workflow.pop(True, workflow.get("on"))  # YAML 1.1 reads `on:` as True
    return workflow


def run_lines(job: dict) -> str:
    return "\n".join(step.get("run", "") for step in job["steps"])


def test_workflows_pass_the_validator():
    result = check_jsonschema(CI, GPU)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "ok -- validation done" in result.stdout


def test_the_validator_rejects_a_broken_workflow(tmp_path):
    broken = tmp_path / "broken.yml"
    broken.write_text(CI.read_text(encoding="utf-8").replace("steps:", "step:", 1))
    result = check_jsonschema(broken)
    assert result.returncode == 1
    assert "'step' was unexpected" in result.stdout


def test_docs_grading_matrix_passes_the_validator(tmp_path):
    blocks = re.findall(r"^```yaml\n(.*?)^```", SCALING.read_text(encoding="utf-8"), re.M | re.S)
    matrix = [block for block in blocks if "matrix:" in block and "tp-course merge" in block]
    assert len(matrix) == 1, "docs/scaling-out.md should hold the matrix workflow"
    snippet = tmp_path / "grade.yml"
    snippet.write_text(matrix[0], encoding="utf-8")
    result = check_jsonschema(snippet)
    assert result.returncode == 0, result.stdout + result.stderr
    job = load(snippet)["jobs"]["grade"]
    assert "--shard ${{ matrix.shard }}/${{ strategy.job-total }}" in run_lines(job)


def test_ci_runs_readme_commands_in_the_offline_profile():
    workflow = load(CI)
    assert set(workflow["on"]) == {"push", "pull_request"}
    (job,) = workflow["jobs"].values()
    assert job["runs-on"] == "ubuntu-latest"
    assert job["env"]["HF_HUB_OFFLINE"] == "1" and job["env"]["TP_PROFILE"] == "offline"
    assert job["env"]["TP_WHOLE_CLASS"] == "1"  # the whole class, not .ci/run's sample
    assert job["env"]["TP_ALL_PROFILES"] == "1"  # every profile's path, not .ci/run's sample
    setup = next(s for s in job["steps"] if s.get("uses", "").startswith("actions/setup-python"))
    assert setup["with"]["python-version"] == "3.11" and setup["with"]["cache"] == "pip"
    cache = next(s for s in job["steps"] if s.get("uses", "").startswith("actions/cache"))
    assert "hashFiles('src/tp_helpers/datagen.py')" in cache["with"]["key"]
    assert job["env"]["TP_DATA_DIR"].endswith("/" + cache["with"]["path"])
    commands = run_lines(job)
    readme = README.read_text(encoding="utf-8")
    test_command = "HF_HUB_OFFLINE=1 python -m pytest"
    assert test_command in readme and test_command in commands
    for command in (
        "pip install torch==2.13.0",
        'pip install -e ".[dev]"',
        "ruff check .",
        "ruff format --check .",
        "tp-course build --check",
    ):
        assert command in commands, command
    # the CPU build of torch is installed before the package pulls a (CUDA) torch of its own
    assert commands.index("torch==2.13.0") < commands.index('-e ".[dev]"')


def test_gpu_workflow_runs_the_full_profile_and_asserts_it():
    workflow = load(GPU)
    assert set(workflow["on"]) == {"workflow_dispatch", "schedule"}
    assert workflow["on"]["schedule"][0]["cron"].split()[4] != "*"  # weekly, not daily
    (job,) = workflow["jobs"].values()
    assert job["runs-on"] == ["self-hosted", "gpu"]
    assert job["env"]["TP_PROFILE"] == "full" and "HF_HUB_OFFLINE" not in job["env"]
    commands = run_lines(job)
    run, check = "tp-course run --profile full --out runs/gpu", "assert_full_profile.py runs/gpu"
    assert run in commands and check in commands
    assert commands.index(run) < commands.index(check)
    assert (REPO / "bench" / "assert_full_profile.py").is_file()
    upload = next(
        s for s in job["steps"] if s.get("uses", "").startswith("actions/upload-artifact")
    )
    assert upload["if"] == "always()" and "runs/gpu/tp7_qa.ipynb" in upload["with"]["path"]
