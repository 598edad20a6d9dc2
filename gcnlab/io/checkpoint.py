"""Checkpoints: the weights a run reported, with what is needed to check and re-score them.

A checkpoint is one ``torch.save`` file holding only tensors and plain values, so that it loads
with ``torch.load(..., weights_only=True)`` and nothing else (a checkpoint cannot run code):

- a format tag and version, and the gcnlab version that wrote it;
- the task's registered name (``node``, ``link``, ``image``, ...), the model name and the
  run's config as a dict;
- the dataset's name and fingerprint (:func:`dataset_fingerprint`, a SHA-256 of its tensors);
- one ``state_dict`` per run, at the epoch validation chose for that run;
- the metrics the run reported (its JSON result without the per-epoch history).

:func:`gcnlab.tasks.evaluate.evaluate_checkpoint`
rebuilds each run's model on the same data and recomputes the test
metrics; on the same machine they equal the reported ones exactly. Writes are atomic
(:func:`gcnlab.utils.files.atomic_write_bytes`).

Loading is untrusted input handling, in this order, each refusal one line naming the file:

1. :func:`_read`: the path must be a regular file (a FIFO is never waited on) of at most
   ``max_bytes`` (:data:`MAX_CHECKPOINT_BYTES`); its zip directory is read, without decompressing
   anything, and the entries' sizes (what the file expands to in memory) must stay within the same
   bound, the pickled part within :data:`MAX_PICKLE_BYTES`. The pickled part's opcodes are read
   (nothing is unpickled): a global outside :data:`SAFE_GLOBALS` is refused and named (``it
   imports posix.system``). Only then does ``torch.load(..., weights_only=True)`` run; its own
   refusals are told apart by exception type, never by their wording.
2. :func:`validate_checkpoint`: every field is type- and range-checked against the others (at
   least one run, per-run metrics with one entry per run, labels that agree with the config, the
   same weight names and shapes in every run, no NaN or infinite weight).
3. The task code checks the model its config describes against the stored shapes before building
   it (:func:`meta_state_shapes`, :func:`check_max_parameters`, :func:`check_state_shapes`).
"""

from __future__ import annotations

import dataclasses
import hashlib
import io
import json
import logging
import math
import os
import pickle
import pickletools
import re
import stat
import struct
import zipfile
import zlib
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch
from torch import Tensor

from gcnlab.errors import DataError, UsageError
from gcnlab.io.results import to_jsonable
from gcnlab.utils.files import atomic_write_bytes

log = logging.getLogger(__name__)

FORMAT = "gcnlab-checkpoint"
FORMAT_VERSION = 1
# Bounds on what a checkpoint may expand to, checked from the file's zip directory before any
# tensor is read. A gcnlab checkpoint is a few kB to a few MB (Cora, 10 runs: 0.6 MB).
MAX_CHECKPOINT_BYTES = 2**30  # the file, and the sum of its entries' uncompressed sizes
# The pickled part (config, metrics, tensor headers): Python objects unpickled from it can take
# tens of times its size, so it gets a tighter bound of its own.
MAX_PICKLE_BYTES = 2**22
MAX_ZIP_ENTRIES = 10_000  # one per tensor, plus six; the zip directory is parsed only below this
# The most parameters a model built from a checkpoint's config may have: 1 GiB of float32, what
# MAX_CHECKPOINT_BYTES can hold.
MAX_PARAMETERS = MAX_CHECKPOINT_BYTES // 4
# result fields that are not metrics: per-epoch history, weights, live objects
NOT_METRICS = ("history", "states", "trained")


def dataset_fingerprint(data: Any) -> str:
    """SHA-256 (hex) over the tensors of ``data``: a PyG ``Data`` or a mapping of tensors.

    Each tensor counts with its name, dtype and shape, in name order; other attributes (the
    name, ``num_classes``) do not count. Two data roots holding the same files give the same
    fingerprint on any device.
    """
    items = data.items() if isinstance(data, Mapping) else ((k, data[k]) for k in data.keys())
    digest = hashlib.sha256()
    for name, value in sorted(items, key=lambda kv: kv[0]):
        if not isinstance(value, Tensor):
            continue
        value = value.detach().cpu().contiguous()
        digest.update(f"{name}:{value.dtype}:{tuple(value.shape)};".encode())
        digest.update(value.reshape(-1).view(torch.uint8).numpy().tobytes())
    return digest.hexdigest()


@dataclass
class Checkpoint:
    """A loaded checkpoint (see the module docstring)."""

    path: Path
    task: str  # node | link | image
    model: str  # gcn | gae | vgae | cnn-gridconv | cnn-conv2d
    config: dict  # the run's config, as a dict
    dataset: str
    fingerprint: str  # dataset_fingerprint of the data it was trained on
    metrics: dict  # what the run reported (its JSON result)
    gcnlab_version: str
    states: list[dict[str, Tensor]] = field(default_factory=list, repr=False)  # one per run

    @classmethod
    def from_result(cls, result: Any, path: str | os.PathLike[str] = "<this run>") -> Checkpoint:
        """The checkpoint a result would save, in memory (for plots right after a run)."""
        from gcnlab import __version__

        return cls(
            path=Path(path),
            task=result.task,
            model=result.model,
            config=to_jsonable(result.config),
            dataset=result.dataset,
            fingerprint=result.fingerprint,
            metrics=result_metrics(result),
            gcnlab_version=__version__,
            states=list(result.states),
        )


def save_checkpoint(
    path: str | os.PathLike[str],
    *,
    task: str,
    model_name: str,
    config: dict,
    dataset: str,
    fingerprint: str,
    states: list[dict[str, Tensor]],
    metrics: dict,
) -> Path:
    """Write a checkpoint atomically and return its path.

    Args:
        path: the file to write (its folder is created).
        task: ``node``, ``link`` or ``image``.
        model_name: the model, as the result names it (``gcn``, ``gae``, ...).
        config: the run's config as plain values (``dataclasses.asdict``).
        dataset: the dataset's name.
        fingerprint: :func:`dataset_fingerprint` of the data the run trained on.
        states: one ``state_dict`` per run, at the epoch validation chose.
        metrics: what the run reported, as plain values.
    """
    from gcnlab import __version__

    if not isinstance(task, str) or not task:
        raise UsageError(f"task must be a task's name, got {task!r}")
    if not states:
        raise UsageError("no finished run to save")
    payload = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "gcnlab_version": __version__,
        "task": task,
        "model": model_name,
        "config": plain(config),
        "dataset": dataset,
        "fingerprint": fingerprint,
        # plain dicts of CPU tensors: loadable anywhere with weights_only=True
        "states": [{k: v.detach().cpu().clone() for k, v in s.items()} for s in states],
        "metrics": plain(metrics),
    }
    buffer = io.BytesIO()
    torch.save(payload, buffer)
    return atomic_write_bytes(path, buffer.getvalue())


def plain(value: Any) -> Any:
    """``value`` as built-in dicts, lists, strings and numbers only (a JSON round trip): no
    subclass such as ``torch.__version__``'s ``TorchVersion`` may reach the file, or a
    ``weights_only`` load would refuse it."""
    return json.loads(json.dumps(to_jsonable(value)))


def result_metrics(result: Any) -> dict:
    """A result dataclass as plain values, without history, weights or live objects."""
    return {
        f.name: to_jsonable(getattr(result, f.name))
        for f in dataclasses.fields(result)
        if f.name not in NOT_METRICS
    }


def save_result(path: str | os.PathLike[str], result: Any) -> Path:
    """Save the checkpoint of a :class:`~gcnlab.NodeResult`, :class:`~gcnlab.LinkResult` or
    :class:`~gcnlab.tasks.digits.DigitsResult` (their ``states`` and ``fingerprint``)."""
    return save_checkpoint(
        path,
        task=result.task,
        model_name=result.model,
        config=result.config,
        dataset=result.dataset,
        fingerprint=result.fingerprint,
        states=result.states,
        metrics=result_metrics(result),
    )


def _read(path: Path, map_location: str | torch.device, max_bytes: int) -> Any:
    """``torch.load(weights_only=True)`` of ``path``, after its size and zip directory are
    checked (see the module docstring); the file is opened once, so what is checked is what is
    loaded."""
    try:
        # non-blocking: a FIFO at the path must not hang the open; fstat then refuses it
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except FileNotFoundError:
        raise UsageError(f"no checkpoint at {path}") from None
    except IsADirectoryError:  # Windows; POSIX opens a folder and fstat says what it is
        raise UsageError(f"{path} is a folder, not a checkpoint file") from None
    except OSError as exc:
        raise DataError(f"{path}: cannot be read ({exc.strerror or exc})") from None
    try:
        info = os.fstat(fd)
        if stat.S_ISDIR(info.st_mode):
            raise UsageError(f"{path} is a folder, not a checkpoint file")
        if not stat.S_ISREG(info.st_mode):
            raise DataError(f"{path} is not a regular file (a FIFO or a device); give a checkpoint")
        if info.st_size > max_bytes:
            raise DataError(
                f"{path} is {info.st_size} bytes, more than a checkpoint may be "
                f"({max_bytes} bytes); refusing to load it"
            )
    except BaseException:
        os.close(fd)
        raise
    with os.fdopen(fd, "rb") as file:
        _check_archive(file, path, info.st_size, max_bytes)
        file.seek(0)
        try:
            return torch.load(file, map_location=map_location, weights_only=True)
        except OSError:
            raise
        except pickle.UnpicklingError:
            # the scan above passed, so torch refused something gcnlab does not name
            raise DataError(
                f"{path} is not a readable gcnlab checkpoint (torch.load refused its pickled part)"
            ) from None
        except Exception as exc:  # a record torch expects is missing or cut short
            raise DataError(
                f"{path} is not a readable gcnlab checkpoint "
                f"(torch.load could not read it: {type(exc).__name__})"
            ) from None


def _check_archive(file: Any, path: Path, size: int, max_bytes: int) -> None:
    """Refuse a zip whose entries would expand beyond ``max_bytes``, read from its directory
    alone, then a pickled part that imports anything but what :data:`SAFE_GLOBALS` names (only
    that entry is decompressed, and nothing is unpickled). The entry count comes from the end
    record first, so a directory of millions of entries is refused before ``zipfile`` builds an
    object for each."""
    tail_size = min(size, 22 + 2**16)  # the end record and the longest comment
    file.seek(size - tail_size)
    tail = file.read(tail_size)
    at = tail.rfind(b"PK\x05\x06")
    if at < 0 or len(tail) - at < 22:
        raise _unreadable(path, "not a zip archive, as torch.save writes")
    entries, directory_size = struct.unpack_from("<HI", tail, at + 10)
    if entries > MAX_ZIP_ENTRIES or directory_size > MAX_PICKLE_BYTES:
        # also the ZIP64 markers 0xFFFF / 0xFFFFFFFF: far beyond any gcnlab checkpoint
        raise DataError(
            f"{path} lists {entries} zip entries in a {directory_size}-byte directory, more "
            f"than a gcnlab checkpoint holds ({MAX_ZIP_ENTRIES}); refusing to load it"
        )
    file.seek(0)
    try:
        with zipfile.ZipFile(file) as archive:
            infos = archive.infolist()
            _check_sizes(infos, path, max_bytes)
            pickled = [i for i in infos if i.filename.endswith("/data.pkl")]
            if len(pickled) != 1:
                raise _unreadable(
                    path, f"{len(pickled)} pickled parts in the zip; torch.save writes one"
                )
            with archive.open(pickled[0]) as entry:
                data = entry.read()
    except _ZIP_ERRORS:
        raise _unreadable(path, "a broken zip archive") from None
    _check_globals(data, path)


# what zipfile raises on a damaged directory or entry (a bad CRC, an unknown compression method)
_ZIP_ERRORS = (
    zipfile.BadZipFile,
    zipfile.LargeZipFile,
    NotImplementedError,
    EOFError,
    ValueError,
    zlib.error,
)


def _unreadable(path: Path, why: str) -> DataError:
    return DataError(f"{path} is not a readable gcnlab checkpoint ({why})")


def _check_sizes(infos: list[zipfile.ZipInfo], path: Path, max_bytes: int) -> None:
    """The sizes the zip directory declares, before any entry is inflated: every entry stored
    as it is (``torch.save`` compresses nothing, so a compressed entry, which a zip bomb needs,
    is not a checkpoint's), no two entries sharing bytes, all of them within ``max_bytes``, the
    pickled part within :data:`MAX_PICKLE_BYTES`. What is loaded is then bounded by the file's
    real size (``zipfile`` never returns more than an entry declares)."""
    for info in infos:
        if info.compress_type != zipfile.ZIP_STORED or info.compress_size != info.file_size:
            raise DataError(
                f"{path}: its zip entry {info.filename} is compressed ({info.compress_size} "
                f"bytes declared to expand to {info.file_size}); torch.save stores entries "
                "uncompressed, so this is not a gcnlab checkpoint; refusing to load it "
                "(nothing was inflated)"
            )
    placed = sorted(infos, key=lambda info: info.header_offset)
    for a, b in zip(placed, placed[1:], strict=False):
        # a local header is 30 bytes and the name; its data follows (extra fields only add)
        if b.header_offset < a.header_offset + 30 + len(a.filename.encode()) + a.compress_size:
            raise DataError(
                f"{path}: its zip entries {a.filename} and {b.filename} overlap; entries that "
                "share bytes are not a checkpoint's; refusing to load it"
            )
    total = sum(info.file_size for info in infos)
    if total > max_bytes:
        raise DataError(
            f"{path} would expand to {total} bytes in memory, more than a checkpoint may "
            f"({max_bytes} bytes); refusing to load it"
        )
    limit = min(MAX_PICKLE_BYTES, max_bytes)
    for info in infos:
        if info.filename.endswith("data.pkl") and info.file_size > limit:
            raise DataError(
                f"{path}: its pickled part ({info.filename}) is {info.file_size} bytes, more "
                f"than a checkpoint's ({limit} bytes); refusing to load it"
            )


# Every global torch.save writes for the dicts, lists, tensors and plain values of a checkpoint
# (a state_dict is an OrderedDict; a tensor is a rebuild call on a typed storage; a sparse one,
# which validate_checkpoint refuses with its own message, adds its layout and size). A pickle that
# names anything else is refused before torch reads it, so gcnlab can name what it refused without
# reading torch's error text; torch.load(weights_only=True) still runs on what passes.
SAFE_GLOBALS = frozenset(
    {
        "collections.OrderedDict",
        "torch._utils._rebuild_tensor_v2",
        "torch._utils._rebuild_parameter",
        "torch._utils._rebuild_sparse_tensor",
        "torch.serialization._get_layout",
        "torch.Size",
        *(
            f"torch.{kind}Storage"
            for kind in "Float Double Half BFloat16 ComplexFloat ComplexDouble "
            "Long Int Short Char Byte Bool".split()
        ),
    }
)
# opcodes that push nothing on the unpickler's stack (the rest push one value or change it)
_NO_PUSH = frozenset({"PROTO", "FRAME", "PUT", "BINPUT", "LONG_BINPUT", "MEMOIZE", "STOP"})


def _pickle_globals(data: bytes) -> Iterator[str]:
    """The ``module.name`` of each global the pickle ``data`` imports, read from its opcodes
    without unpickling anything. ``STACK_GLOBAL`` takes its two names from the stack: they are
    followed through the memo; a name the pickle computes any other way yields ``"?"``.

    Raises:
        ValueError: ``data`` is not a well-formed pickle (an unknown opcode, cut short).
    """
    recent: list[Any] = []  # what the last opcodes pushed: a str for a string, None otherwise
    memo: dict[int, Any] = {}
    for op, arg, _ in pickletools.genops(data):
        if op.name in ("GLOBAL", "INST"):
            module, _, name = str(arg).partition(" ")
            yield f"{module}.{name}"
        elif op.name == "STACK_GLOBAL":
            module, name = ([None, None] + recent)[-2:]
            yield f"{module}.{name}" if isinstance(module, str) and isinstance(name, str) else "?"
        elif op.name.startswith("EXT"):  # the copyreg extension registry: a global by number
            yield f"extension code {arg}"
        if op.name == "MEMOIZE":
            memo[len(memo)] = recent[-1] if recent else None
        elif op.name in ("PUT", "BINPUT", "LONG_BINPUT"):
            memo[int(arg)] = recent[-1] if recent else None
        elif op.name in ("GET", "BINGET", "LONG_BINGET"):
            recent.append(memo.get(int(arg)))
        elif op.name not in _NO_PUSH:
            recent.append(arg if isinstance(arg, str) and "UNICODE" in op.name else None)


def _check_globals(data: bytes, path: Path) -> None:
    """Refuse the pickled part ``data`` if it imports a global outside :data:`SAFE_GLOBALS`."""
    try:
        for name in _pickle_globals(data):
            if name not in SAFE_GLOBALS:
                raise DataError(
                    f"{path} holds objects other than tensors and plain values; refusing to "
                    f"load it: it imports {name} (nothing was run)"
                )
    except ValueError:
        raise _unreadable(path, "its pickled part is not a well-formed pickle") from None


def load_checkpoint(
    path: str | os.PathLike[str],
    *,
    task: str | None = None,
    model: str | None = None,
    dataset: str | None = None,
    map_location: str | torch.device = "cpu",
    max_bytes: int = MAX_CHECKPOINT_BYTES,
    tasks: Collection[str] | None = None,
) -> Checkpoint:
    """Load a checkpoint with ``weights_only=True``, refusing one made for something else.

    Args:
        path: the file.
        task: refuse a checkpoint of another task (default: any).
        model: refuse a checkpoint of another model (default: any).
        dataset: refuse a checkpoint made on another dataset (default: any).
        map_location: where the tensors go. (default: ``"cpu"``)
        max_bytes: the most the file, and the tensors and values it expands to, may take.
            (default: :data:`MAX_CHECKPOINT_BYTES`, 1 GiB)
        tasks: the task names to accept (default: any; ``gcnlab.tasks`` looks the name up
            in its registry).

    Raises:
        UsageError: no such file, or a folder. DataError: not a gcnlab checkpoint, larger than
        ``max_bytes``, unsafe content, fields that contradict each other
        (:func:`validate_checkpoint`), or made for another task, model or dataset.
    """
    path = Path(path)
    ckpt = validate_checkpoint(_read(path, map_location, max_bytes), path, tasks=tasks)
    asked = (task or ckpt.task, model or ckpt.model, dataset or ckpt.dataset)
    # names compare without case (`Cora` is `cora`); a file path is recorded as it was given
    if (asked[0], asked[1].lower(), asked[2].lower()) != (
        ckpt.task, ckpt.model.lower(), ckpt.dataset.lower()
    ):
        raise DataError(
            f"{path.name} was made for {ckpt.model} on {ckpt.dataset} "
            f"({ckpt.task} task), not {asked[1]} on {asked[2]} ({asked[0]} task)"
        )
    return ckpt


def _type_name(value: Any) -> str:
    return type(value).__name__


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


_PLAIN = (str, int, float, bool, type(None))
FINGERPRINT = re.compile(r"[0-9a-f]{64}")


def validate_checkpoint(
    payload: Any, path: str | os.PathLike[str], *, tasks: Collection[str] | None = None
) -> Checkpoint:
    """``payload`` (what ``torch.load`` returned for ``path``) as a :class:`Checkpoint`, after
    every field is type- and range-checked against the others.

    Refused, with one line naming the file and the field: a missing format tag or a newer
    format; missing fields; a field of the wrong type; a task not in ``tasks`` (default:
    any name); no run; runs whose weights differ in names, shapes or dtypes; a tensor that
    is sparse, complex or holds NaN or infinite values (named by run and name); a ``dataset`` or
    ``model`` label that disagrees with the config's or the metrics'; more runs than
    ``config["runs"]``; per-run metrics without one entry per run.

    Raises:
        DataError: as above.
    """
    path = Path(path)
    if not isinstance(payload, dict) or payload.get("format") != FORMAT:
        raise DataError(
            f"{path} is not a gcnlab checkpoint (no '{FORMAT}' tag); save one with --save"
        )
    version = payload.get("format_version")
    if type(version) is not int or version > FORMAT_VERSION:
        raise DataError(
            f"{path} has checkpoint format {version!r}; this gcnlab reads up to "
            f"{FORMAT_VERSION} (upgrade gcnlab)"
        )
    missing = [
        k
        for k in ("task", "model", "config", "dataset", "fingerprint", "states", "metrics")
        if k not in payload
    ]
    if missing:
        raise DataError(f"{path} is an incomplete gcnlab checkpoint (no {', '.join(missing)})")

    def bad(field: str, problem: str) -> DataError:
        return DataError(f"{path} is not a valid gcnlab checkpoint: {field} {problem}")

    if version < 1:
        raise bad("'format_version'", f"is {version}; versions start at 1")
    for key, kind in (
        ("task", str),
        ("model", str),
        ("dataset", str),
        ("fingerprint", str),
        ("config", dict),
        ("metrics", dict),
        ("states", list),
    ):
        if not isinstance(payload[key], kind):
            raise bad(f"'{key}'", f"must be a {kind.__name__}, found {_type_name(payload[key])}")
    task, model, dataset = payload["task"], payload["model"], payload["dataset"]
    if not task.strip():
        raise bad("'task'", "is empty")
    if tasks is not None and task not in tasks:
        raise bad("'task'", f"is {task!r}; this gcnlab knows {', '.join(tasks)}")
    for key in ("model", "dataset"):
        if not payload[key].strip():
            raise bad(f"'{key}'", "is empty")
    if not FINGERPRINT.fullmatch(payload["fingerprint"]):
        raise bad("'fingerprint'", "must be a SHA-256 in hex (64 characters 0-9a-f)")
    version_text = payload.get("gcnlab_version", "?")
    if not isinstance(version_text, str):
        raise bad("'gcnlab_version'", f"must be a str, found {_type_name(version_text)}")
    states: list = payload["states"]
    _check_states(states, bad)
    _check_config(payload["config"], task, model, dataset, len(states), bad)
    _check_metrics(payload["metrics"], task, model, dataset, len(states), bad)
    return Checkpoint(
        path=path,
        task=task,
        model=model,
        config=payload["config"],
        dataset=dataset,
        fingerprint=payload["fingerprint"],
        metrics=payload["metrics"],
        gcnlab_version=version_text,
        states=list(states),
    )


def _check_states(states: list, bad: Callable[[str, str], DataError]) -> None:
    """At least one run; each a non-empty ``{name: dense tensor}``, all with run 1's names,
    shapes and dtypes; no NaN or infinite value."""
    if not states:
        raise bad("'states'", "holds no run; a checkpoint needs at least one")
    first: dict[str, tuple] | None = None
    for run, state in enumerate(states, start=1):
        field_ = f"'states' (run {run} of {len(states)})"
        if not isinstance(state, dict) or not state:
            raise bad(field_, f"must be a non-empty dict of tensors, found {_type_name(state)}")
        layout = {}
        for name, value in state.items():
            if not isinstance(name, str) or not isinstance(value, Tensor):
                raise bad(field_, f"must map names to tensors, found {name!r}: {_type_name(value)}")
            if value.layout != torch.strided or value.is_complex() or value.is_meta:
                raise bad(
                    f"{field_}, tensor {name!r},",
                    f"must be a dense real tensor, found {value.layout} {value.dtype}"
                    f"{' on meta' if value.is_meta else ''}",
                )
            layout[name] = (tuple(value.shape), value.dtype)
        if first is None:
            first = layout
        elif layout != first:
            diff = sorted(set(first.items()) ^ set(layout.items()), key=str)[0][0]
            raise bad(
                field_,
                f"has weights unlike run 1's (first difference: {diff}); "
                "every run of a checkpoint is the same model",
            )
        for name, value in state.items():
            # the float64 sum is finite unless a value is not: one pass, no mask in the common case
            if value.is_floating_point() and not math.isfinite(value.sum(dtype=torch.float64)):
                count = int((~torch.isfinite(value)).sum())
                raise bad(
                    f"{field_}, tensor {name!r},",
                    f"holds {count} NaN or infinite values; refusing weights that cannot "
                    "give the reported metrics",
                )


def _check_config(
    config: dict,
    task: str,
    model: str,
    dataset: str,
    runs: int,
    bad: Callable[[str, str], DataError],
) -> None:
    """Plain values under string keys; ``dataset``, ``model`` and ``runs`` (where the task's
    config has them) agreeing with the checkpoint."""
    for key, value in config.items():
        if not isinstance(key, str):
            raise bad("'config'", f"must have string keys, found {key!r}")
        items = value if isinstance(value, list) else [value]
        if not all(isinstance(v, _PLAIN) for v in items):
            raise bad(f"'config[{key!r}]'", f"must be a plain value, found {_type_name(value)}")
    for key, label in (("dataset", dataset), ("model", model)):
        if key not in config:
            continue
        value = config[key]
        if not isinstance(value, str):
            raise bad(f"'config[{key!r}]'", f"must be a str, found {_type_name(value)}")
        if value.strip().lower() != label.strip().lower():
            raise bad(
                f"'{key}'",
                f"is {label!r} but config[{key!r}] is {value!r}; the checkpoint contradicts itself",
            )
    if "runs" in config:
        value = config["runs"]
        if type(value) is not int or value < 1:
            raise bad("'config['runs']'", f"must be an int >= 1, found {value!r}")
        if runs > value:
            raise bad("'states'", f"holds {runs} runs but config['runs'] is {value}")


def _check_metrics(
    metrics: dict,
    task: str,
    model: str,
    dataset: str,
    runs: int,
    bad: Callable[[str, str], DataError],
) -> None:
    """Per-run lists of numbers with one entry per run; ``runs``, means and stds numbers; the
    task, model and dataset labels, where present, the checkpoint's."""
    labels = {"task": task, "model": model, "dataset": dataset}
    for key, value in metrics.items():
        if not isinstance(key, str):
            raise bad("'metrics'", f"must have string keys, found {key!r}")
        field_ = f"'metrics[{key!r}]'"
        if isinstance(value, list):
            if len(value) != runs:
                raise bad(
                    field_,
                    f"has {len(value)} entries for {runs} runs; a per-run metric "
                    "has one entry per saved run",
                )
            if not all(_is_number(v) for v in value):
                raise bad(field_, "must be a list of numbers")
        elif key == "runs":
            if type(value) is not int or value != runs:
                raise bad(field_, f"is {value!r} but 'states' holds {runs} runs")
        elif key.endswith(("_mean", "_std")):
            if not _is_number(value):
                raise bad(field_, f"must be a number, found {_type_name(value)}")
        elif key in labels:
            if not isinstance(value, str):
                raise bad(field_, f"must be a str, found {_type_name(value)}")
            if value.strip().lower() != labels[key].strip().lower():
                raise bad(
                    f"'{key}'",
                    f"is {labels[key]!r} but metrics[{key!r}] is {value!r}; "
                    "the checkpoint contradicts itself",
                )


def check_fingerprint(
    checkpoint: Checkpoint,
    data: Any,
    where: str,
    hint: str = "point --root at the data it was trained on",
) -> None:
    """Refuse ``data`` (described by ``where``, e.g. the data root) unless its fingerprint is the
    checkpoint's; ``hint`` ends the message."""
    check_fingerprint_value(checkpoint, dataset_fingerprint(data), where, hint)


def check_fingerprint_value(
    checkpoint: Checkpoint,
    found: str,
    where: str,
    hint: str = "point --root at the data it was trained on",
) -> None:
    """:func:`check_fingerprint` with the data's fingerprint already computed."""
    if found != checkpoint.fingerprint:
        raise DataError(
            f"{checkpoint.path.name} was trained on {checkpoint.dataset} with fingerprint "
            f"{checkpoint.fingerprint[:12]}, but {where} holds different {checkpoint.dataset} "
            f"data (fingerprint {found[:12]}); {hint}"
        )


def meta_state_shapes(build: Callable[[], torch.nn.Module]) -> dict[str, tuple[int, ...]]:
    """Names and shapes of the ``state_dict`` that ``build()`` makes, without allocating it:
    ``build`` runs on the ``meta`` device (it must not move the module to a device)."""
    with torch.device("meta"):
        module = build()
    return {k: tuple(v.shape) for k, v in module.state_dict().items()}


def check_max_parameters(
    shapes: Mapping[str, Sequence[int]], where: str, limit: int = MAX_PARAMETERS
) -> int:
    """The number of values in ``shapes``; refused (``DataError`` naming ``where``) above
    ``limit`` (default: :data:`MAX_PARAMETERS`), before anything that large is built."""
    count = sum(math.prod(shape) for shape in shapes.values())
    if count > limit:
        raise DataError(
            f"{where}: the model its config describes has {count} parameters, more than "
            f"gcnlab builds from a checkpoint ({limit}); refusing to build it"
        )
    return count


def _shapes_differ(checkpoint: Checkpoint, stored: dict, expected: dict) -> DataError:
    diff = sorted(set(expected.items()) ^ set(stored.items()), key=str)
    return DataError(
        f"{checkpoint.path.name} holds weights {dict(stored)} for "
        f"{checkpoint.model} on {checkpoint.dataset}, but the model built from "
        f"its config needs {dict(expected)} (first difference: {diff[0][0]})"
    )


def check_state_shapes(checkpoint: Checkpoint, expected: Mapping[str, Sequence[int]]) -> None:
    """Refuse ``checkpoint`` unless every run's weights have exactly the names and shapes in
    ``expected`` (e.g. :func:`meta_state_shapes` of the model its config describes): the check
    :func:`load_states` makes, done before the model is built."""
    want = {k: tuple(v) for k, v in expected.items()}
    for state in checkpoint.states:
        stored = {k: tuple(v.shape) for k, v in state.items()}
        if stored != want:
            raise _shapes_differ(checkpoint, stored, want)


def load_states(checkpoint: Checkpoint, model: torch.nn.Module, run: int) -> torch.nn.Module:
    """Load run ``run``'s weights into ``model`` after checking every name and shape."""
    state = checkpoint.states[run]
    expected = {k: tuple(v.shape) for k, v in model.state_dict().items()}
    stored = {k: tuple(v.shape) for k, v in state.items()}
    if expected != stored:
        raise _shapes_differ(checkpoint, stored, expected)
    model.load_state_dict(state)
    return model.eval()


def config_from(cls: type, checkpoint: Checkpoint, **overrides: Any) -> Any:
    """The checkpoint's config as ``cls`` (a config dataclass), with ``overrides`` applied."""
    return config_as(cls, checkpoint.config, checkpoint.path.name, checkpoint.gcnlab_version,
                     **overrides)


def config_as(cls: type, config: dict, where: str, version: str, **overrides: Any) -> Any:
    """A recorded ``config`` (from ``where``, written by gcnlab ``version``) as ``cls``, a
    config dataclass; ``overrides`` that are not None replace fields. Fields ``cls`` does not
    have are refused, naming them."""
    known = {f.name for f in dataclasses.fields(cls)}
    unknown = sorted(set(config) - known)
    if unknown:
        raise DataError(
            f"{where} has config fields this gcnlab does not know "
            f"({', '.join(unknown)}); it was written by gcnlab {version}"
        )
    return cls(**{**config, **{k: v for k, v in overrides.items() if v is not None}})
