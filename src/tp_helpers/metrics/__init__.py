"""The project's SQuAD metrics (v1.1 for TP7, v2.0 for TP8), each usable two ways.

* ``compute_squad(predictions, references)``: a plain function, pure Python, instant to import.
* ``evaluate.load(squad_metric_path())``: the same scores through the ``evaluate`` library, from
  the local folder ``squad_v1/``, so no network is needed (``evaluate.load("squad")`` would fetch
  the official module from the Hub).

The same for SQuAD v2.0 (unanswerable questions): ``compute_squad_v2`` and
``evaluate.load(squad_v2_metric_path())`` (the folder ``squad_v2_metric/``).

Importing this package does not import ``evaluate`` or ``datasets`` (both are slow to import);
only ``evaluate.load`` does, when it runs the module of a folder.
"""

from __future__ import annotations

from pathlib import Path

from .squad import compute as compute_squad
from .squad_v2 import compute as compute_squad_v2

__all__ = ["compute_squad", "compute_squad_v2", "squad_metric_path", "squad_v2_metric_path"]


def squad_metric_path() -> str:
    """Absolute path of the ``squad_v1`` folder, as a string, ready for ``evaluate.load``.

    ``evaluate.load`` treats a local folder holding ``<folder name>.py`` as a module to load from
    disk; an absolute path makes that work from any working directory.
    """
    return str(Path(__file__).resolve().parent / "squad_v1")


def squad_v2_metric_path() -> str:
    """Absolute path of the ``squad_v2_metric`` folder, as a string, ready for ``evaluate.load``."""
    return str(Path(__file__).resolve().parent / "squad_v2_metric")
