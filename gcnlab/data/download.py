"""The one downloader every data source uses (Planetoid, ``pyg:`` and ``ogb:`` specs).

A download is bounded three ways: every connection attempt and every read waits at most
``timeout`` seconds (never longer than the time left); all the downloads of one load share an
overall :class:`Deadline` (:data:`DEFAULT_DEADLINE`, ``$GCNLAB_DOWNLOAD_DEADLINE``), so a server
that accepts and never answers, or trickles bytes just fast enough to beat every per-read
timeout, is still cut off; and a body larger than ``max_bytes`` is stopped before it fills memory
or the disk. A file is written under a temporary name in its folder and renamed into place only
once complete, so a failed download never leaves a file under its real name.

Every failure is a :class:`DownloadError` whose message names the URL.
"""

from __future__ import annotations

import http.client
import logging
import math
import os
import secrets
import time
import urllib.parse
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from gcnlab.errors import DataError, UsageError

log = logging.getLogger(__name__)

# The whole download (all the files one load fetches) must end within this many seconds;
# $GCNLAB_DOWNLOAD_DEADLINE overrides it, an explicit ``seconds`` argument overrides both.
DEFAULT_DEADLINE = 300.0
ENV_DEADLINE = "GCNLAB_DOWNLOAD_DEADLINE"
DEFAULT_TIMEOUT = 30.0  # seconds each connection attempt and each read may wait
# Larger than any archive gcnlab reads (Reddit's, OGB's products: about 1.4 GB); a caller that
# knows its files passes a tighter bound.
MAX_BYTES = 4 * 2**30
CHUNK = 2**16  # bytes per read


class DownloadError(DataError):
    """A download that failed, ran past its deadline or size bound, or came back short."""


def download_deadline(seconds: float | None = None) -> float:
    """Seconds a whole download may take: ``seconds`` if given, else
    ``$GCNLAB_DOWNLOAD_DEADLINE``, else :data:`DEFAULT_DEADLINE`.

    Raises:
        UsageError: not a positive, finite number of seconds.
    """
    source, value = "deadline", seconds
    if value is None:
        raw = os.environ.get(ENV_DEADLINE, "").strip()
        if not raw:
            return DEFAULT_DEADLINE
        source = ENV_DEADLINE
        try:
            value = float(raw)
        except ValueError:
            raise UsageError(f"{ENV_DEADLINE} must be a number of seconds, got {raw!r}") from None
    if (
        isinstance(value, bool)
        or not isinstance(value, (int, float))
        or not (math.isfinite(value) and value > 0)
    ):
        raise UsageError(f"{source} must be a positive number of seconds, got {value!r}")
    return float(value)


@dataclass(frozen=True)
class Deadline:
    """When the downloads of one load must be over."""

    end: float  # time.monotonic() at the deadline
    seconds: float  # its length, for the message

    @classmethod
    def start(cls, seconds: float | None = None) -> Deadline:
        """A deadline ``seconds`` from now (default: :func:`download_deadline`)."""
        limit = download_deadline(seconds)
        return cls(time.monotonic() + limit, limit)

    def left(self) -> float:
        return self.end - time.monotonic()


def fetch_bytes(
    url: str,
    deadline: Deadline,
    *,
    max_bytes: int = MAX_BYTES,
    timeout: float = DEFAULT_TIMEOUT,
) -> bytes:
    """The body at ``url``, whole, read before ``deadline``.

    Raises:
        DownloadError: the URL could not be fetched, in time, within ``max_bytes`` and whole.
    """
    chunks: list[bytes] = []
    _stream(url, deadline, max_bytes, timeout, chunks.append)
    return b"".join(chunks)


def fetch_file(
    url: str,
    path: Path,
    deadline: Deadline,
    *,
    max_bytes: int = MAX_BYTES,
    timeout: float = DEFAULT_TIMEOUT,
) -> Path:
    """Download ``url`` to ``path`` (its folder is made), atomically: the body goes to a
    temporary file beside it, renamed to ``path`` once complete; on any failure it is deleted.

    Raises:
        DownloadError: as :func:`fetch_bytes`. DataError: ``path`` cannot be written.
    """
    path = Path(path)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}.part")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(tmp, "xb") as file:
            _stream(url, deadline, max_bytes, timeout, file.write)
        os.replace(tmp, path)
    except OSError as exc:
        raise DataError(f"cannot write {path} ({exc.strerror or exc})") from exc
    finally:
        if tmp.exists():
            tmp.unlink()
    return path


def _stream(
    url: str, deadline: Deadline, max_bytes: int, timeout: float, sink: Callable[[bytes], object]
) -> None:
    """Read the body at ``url`` into ``sink``, chunk by chunk, within the bounds."""
    if urllib.parse.urlsplit(url).scheme not in ("http", "https"):
        raise DownloadError(f"download of {url} refused: only http and https URLs are fetched")
    received = 0

    def late() -> DownloadError:
        return DownloadError(
            f"download of {url} did not finish within the {deadline.seconds:g} s deadline "
            f"({received} bytes received); {ENV_DEADLINE}=SECONDS sets another"
        )

    if deadline.left() <= 0:
        raise late()
    log.info("downloading %s", url)
    try:
        # No single wait may outlast the deadline.
        wait = min(timeout, max(deadline.left(), 0.001))
        with urllib.request.urlopen(url, timeout=wait) as response:  # noqa: S310 (http(s) only)
            expected = response.headers.get("Content-Length")
            # read1 returns what one socket read brings, so a trickle is seen at each byte;
            # read(n) would wait for all n bytes, past any deadline.
            read = getattr(response, "read1", response.read)
            while chunk := read(CHUNK):
                received += len(chunk)
                if received > max_bytes:
                    raise DownloadError(
                        f"download of {url} exceeds {max_bytes} bytes, more than the file it "
                        "should be; stopped"
                    )
                sink(chunk)
                if deadline.left() <= 0:
                    raise late()
    # A connection that never answers or dies mid-stream raises OSError (timeout, reset) or
    # IncompleteRead; an HTTP error status raises HTTPError (an OSError).
    except (OSError, http.client.HTTPException) as exc:
        if deadline.left() <= 0:
            raise late() from exc
        raise DownloadError(f"download of {url} failed ({exc})") from exc
    if expected is not None and expected.strip().isdigit() and int(expected) != received:
        raise DownloadError(
            f"download of {url} was cut short ({received} of {expected} bytes); run again"
        )
