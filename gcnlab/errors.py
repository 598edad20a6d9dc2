"""Errors gcnlab raises for problems a user can fix.

The command line turns each into one line on stderr and an exit code; the library raises them like
any exception. ``UsageError`` is a bad argument (exit 2), ``GcnlabError`` a run that could not be
done (exit 1).
"""

from __future__ import annotations


class GcnlabError(Exception):
    """A failure the user can act on; the message says what to do."""


class UsageError(GcnlabError, ValueError):
    """An argument or option out of range, or an unknown name."""


class DataError(GcnlabError):
    """Dataset files missing, corrupted or not the official ones."""


class DistributedError(GcnlabError):
    """The processes of a ``torchrun`` job could not start their group (a busy port, a
    rendezvous that never completed)."""


class TrainingDiverged(GcnlabError):
    """The loss became NaN or infinite."""


class InputError(UsageError, DataError):
    """A graph file (or option about it) the user gave cannot be used as it is: a malformed
    line, a missing key, a file larger than memory. A :class:`UsageError` (the command line
    exits 2) and a :class:`DataError` (what a reader raises)."""
