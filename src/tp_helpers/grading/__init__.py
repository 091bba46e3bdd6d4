"""Class autograding: each exercise graded on its own, from the lab's source notebook.

Nothing here is specific to one lab: exercises come from the source notebook's nbgrader metadata
and its ``# --- START CODE HERE (NN)`` markers. Modules, in the order a submission meets them:

* :mod:`.source` parses the source (solution) notebook into a plan;
* :mod:`.downloads` reads a Canvas, Moodle or Blackboard download (one notebook per student),
  :mod:`.submission` a flat folder or an nbgrader tree, and reads the notebooks' regions;
* :mod:`.pipeline` grades a batch of submissions (read → inspect → restore → execute → score),
  with :mod:`.attribution` deciding the runs of each exercise cell;
* :mod:`.engine` (the grader's side) and :mod:`.reference` (the processes): the source runs
  once in a reference process, every run of student code is a process forked from the snapshot
  before its cell, confined by :mod:`.confine` as :mod:`.sandbox` decided, and thrown away;
* :mod:`.tamper` finds edited, deleted or duplicated locked cells; :mod:`.kernel_guard`, inside
  each run, tells whether the checks were patched at run time;
* :mod:`.report` renders grades.csv, feedback pages and the class summary;
* :mod:`.classrun` grades a whole class (progress bar, ``--jobs``, ``--shard``, resume, merge);
* :mod:`.export` writes what the platforms import (gradebook, worksheet, feedback zips);
  :mod:`.gradescope` builds and runs a Gradescope autograder with the same engine.
"""

from .classrun import (
    ClassRun,
    GradingError,
    GradingInterrupted,
    default_source,
    grade_class,
    merge,
    parse_shard,
)
from .pipeline import PIPELINE, GradingSettings, grade_batch, grade_submission
from .result import STATUSES, ExerciseResult, StudentResult
from .sandbox import Limits
from .source import LabSource, SourceError, read_source
from .submission import Submission, SubmissionsError, discover

__all__ = [
    "PIPELINE",
    "STATUSES",
    "ClassRun",
    "ExerciseResult",
    "GradingError",
    "GradingInterrupted",
    "GradingSettings",
    "Limits",
    "LabSource",
    "SourceError",
    "StudentResult",
    "Submission",
    "SubmissionsError",
    "default_source",
    "discover",
    "grade_class",
    "grade_batch",
    "grade_submission",
    "merge",
    "parse_shard",
    "read_source",
]
