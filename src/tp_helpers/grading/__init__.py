"""Class autograding: each exercise graded on its own, from the lab's source notebook.

Nothing here is specific to one lab: exercises come from the source notebook's nbgrader metadata
and its ``# --- START CODE HERE (NN)`` markers. The folders, from the bottom up (the import
contracts in pyproject.toml keep each one's imports pointing down):

* ``model/``: the source plan, the submissions, the results and their store;
* ``engine/``: the grader's side of execution (scheduler, client, protocol, run policy), and
  ``engine/child/`` the forked processes (zygote, supervisor, confinement, guard);
* ``scoring/``: the pipeline's steps, attribution, tampering, the replay of earlier helpers;
* ``report/``: grades.csv, the feedback pages and the class summary;
* ``platforms/``: what each learning platform gives (a download) and takes (an import file);
* ``week/``: what the course team decides after the autograde (the course file, late rules,
  adjustments), applied at every report and export, below the reports and the platforms;
* :mod:`.machine`: the default ``--jobs`` from the cores and the memory;
* :mod:`.classrun`: a whole class on top of them (``--jobs``, ``--shard``, resume, merge), and
  beside it ``similarity/`` (pairs of students' code); :mod:`.flaky` above it (checks whose
  verdict changes with threads or seeds).

The names below are the public API (``from tp_helpers.grading import grade_class``). They are
loaded on first use, so that importing a subpackage (the zygote imports
``tp_helpers.grading.engine.child``) does not import the whole grader.
"""

from __future__ import annotations

import importlib

#: public name -> the module that defines it
_PUBLIC = {
    "ClassRun": ".classrun",
    "GradingError": ".classrun",
    "GradingInterrupted": ".classrun",
    "default_source": ".classrun",
    "grade_class": ".classrun",
    "merge": ".classrun",
    "parse_shard": ".classrun",
    "PIPELINE": ".scoring.pipeline",
    "GradingSettings": ".engine.policy",
    "grade_batch": ".scoring.pipeline",
    "grade_submission": ".scoring.pipeline",
    "STATUSES": ".model.result",
    "ExerciseResult": ".model.result",
    "StudentResult": ".model.result",
    "Limits": ".engine.policy",
    "LabSource": ".model.source",
    "SourceError": ".model.source",
    "read_source": ".model.source",
    "Submission": ".model.submission",
    "SubmissionsError": ".model.submission",
    "discover": ".model.submission",
}

__all__ = sorted(_PUBLIC)


def __getattr__(name: str):
    if name not in _PUBLIC:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(_PUBLIC[name], __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *_PUBLIC])
