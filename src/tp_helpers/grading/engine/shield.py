"""Cleanup that a Ctrl-C must not cut in half.

Python raises ``KeyboardInterrupt`` between any two bytecodes, including inside
``shutil.rmtree``: an interrupt that lands between its ``os.close(fd)`` and the ``finally`` that
closes the same descriptor again turns into ``OSError: [Errno 9] Bad file descriptor``, which
hides the interrupt and ends the grader with a traceback instead of "run the same command
again". The class run's SIGINT handler (:mod:`..classrun`) asks :func:`active` first: while a
cleanup is shielded it only remembers the interrupt, and the run stops once the cleanup is done.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

_depth = 0


@contextlib.contextmanager
def shielded() -> Iterator[None]:
    """Run the block to its end even if Ctrl-C is pressed meanwhile (see the module's note)."""
    global _depth
    _depth += 1
    try:
        yield
    finally:
        _depth -= 1


def active() -> bool:
    """True while a shielded cleanup runs: an interrupt now must wait for it."""
    return _depth > 0
