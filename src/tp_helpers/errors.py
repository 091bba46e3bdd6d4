"""User-facing errors.

Every message names what went wrong *and* how to fix it, so that a student in a notebook or an
instructor at a terminal can act on it without reading our code. The CLI turns these into an exit
code instead of a traceback.
"""

from __future__ import annotations


class TPError(Exception):
    """Base class of the errors a user can fix themselves."""

    exit_code = 2


class ProfileError(TPError):
    """An unknown or inconsistent run profile."""


class ResourceError(TPError):
    """An offline resource (model package, dataset cache, metric) is missing or unusable."""

    exit_code = 3
