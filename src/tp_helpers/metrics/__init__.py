"""The project's SQuAD v1.1 metric, usable two ways.

* ``compute_squad(predictions, references)``: a plain function, pure Python, instant to import.
* ``evaluate.load(squad_metric_path())``: the same scores through the ``evaluate`` library, from
  the local folder ``squad_v1/``, so no network is needed (``evaluate.load("squad")`` would fetch
  the official module from the Hub).

Importing this package does not import ``evaluate`` or ``datasets`` (both are slow to import);
only ``evaluate.load`` does, when it runs the module in ``squad_v1/``.
"""

from __future__ import annotations

from pathlib import Path

from .squad import compute as compute_squad

__all__ = ["compute_squad", "squad_metric_path"]


def squad_metric_path() -> str:
    """Absolute path of the ``squad_v1`` folder, as a string, ready for ``evaluate.load``.

    ``evaluate.load`` treats a local folder holding ``<folder name>.py`` as a module to load from
    disk; an absolute path makes that work from any working directory.
    """
    return str(Path(__file__).resolve().parent / "squad_v1")
