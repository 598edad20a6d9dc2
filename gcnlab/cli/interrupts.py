"""Ctrl-C at any moment ends a command with exit 130 and keeps what was finished.

Python turns SIGINT into a ``KeyboardInterrupt`` wherever the program happens to be: in the
middle of an import, of assembling a result, of writing a file. The training loop keeps the
finished runs when the interrupt arrives inside a run, but an interrupt a moment later (a second
Ctrl-C while the first one's result is being written) would lose them. So the command line
handles SIGINT itself, in two modes:

- ``raise`` (start-up, loading data): the first Ctrl-C raises ``KeyboardInterrupt`` at once;
  there is nothing finished to keep.
- ``defer`` (after the first Ctrl-C, once training has started, while results are written): a
  Ctrl-C is only counted. :func:`stop_point`, called after every epoch through the library's
  ``on_epoch`` hook, raises it there, where the loop keeps the finished runs;
  :func:`gcnlab.cli.entry.run` turns the command's outcome into exit 130 once its files are
  written.

Counting every Ctrl-C also covers a library that swallows the ``KeyboardInterrupt`` raised in
the middle of its import (NumPy, half imported, then fails with ``RecursionError``): whatever
happens after a Ctrl-C is reported as the interrupt it is.

Only the standard library here: this module guards the imports that follow it.
"""

from __future__ import annotations

import contextlib
import signal
import threading
from collections.abc import Iterator
from types import FrameType
from typing import Literal

Mode = Literal["raise", "defer"]


class SigintPolicy:
    """What a Ctrl-C does now (``mode``) and how many there were (``received``)."""

    def __init__(self) -> None:
        self.mode: Mode = "raise"
        self.received = 0

    def handle(self, signum: int, frame: FrameType | None) -> None:
        self.received += 1
        if self.mode == "raise":
            self.mode = "defer"  # one interrupt is on its way; no second may cut its clean-up
            raise KeyboardInterrupt

    def stop_point(self) -> None:
        self.mode = "defer"  # training has started: from now on, stop between epochs only
        if self.received:
            raise KeyboardInterrupt


_active: SigintPolicy | None = None


def install() -> SigintPolicy:
    """Handle SIGINT with a fresh policy for the rest of the process (the ``gcnlab`` script)."""
    global _active
    policy = SigintPolicy()
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGINT, policy.handle)
        _active = policy
    return policy


@contextlib.contextmanager
def active() -> Iterator[SigintPolicy]:
    """The installed policy; outside the script (tests call the command line in-process), a
    fresh one installed for the duration and the previous handler restored after."""
    global _active
    if _active is not None and signal.getsignal(signal.SIGINT) == _active.handle:
        yield _active
        return
    if threading.current_thread() is not threading.main_thread():
        yield SigintPolicy()  # signals reach the main thread only; nothing to handle here
        return
    previous, previous_active = signal.getsignal(signal.SIGINT), _active
    policy = SigintPolicy()
    signal.signal(signal.SIGINT, policy.handle)
    _active = policy
    try:
        yield policy
    finally:
        signal.signal(signal.SIGINT, previous)
        _active = previous_active


def stop_point() -> None:
    """Call after every epoch: raise ``KeyboardInterrupt`` if a Ctrl-C came."""
    if _active is not None:
        _active.stop_point()


@contextlib.contextmanager
def deferred() -> Iterator[None]:
    """Count, never raise, a Ctrl-C while results are written; the command then exits 130."""
    if _active is None:
        yield
        return
    policy, mode, before = _active, _active.mode, _active.received
    policy.mode = "defer"
    try:
        yield
    finally:
        if policy.received == before:  # no Ctrl-C meanwhile: back to what it was
            policy.mode = mode


def received() -> bool:
    """Whether a Ctrl-C arrived (raised or counted) under the active policy."""
    return _active is not None and _active.received > 0
