"""Per-exercise checks for the notebooks: one module per lab, plumbing in :mod:`.core`.

In a notebook: ``from tp_helpers.checks import tp7_qa as checks``, then under each exercise
``with checks.exercise("03"): checks.ex03(...)``. See :mod:`tp_helpers.checks.core`.
"""
