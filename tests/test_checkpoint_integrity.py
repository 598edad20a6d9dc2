"""Checkpoints from outside: contradictions, hostile pickles, NaN weights and files that would
expand beyond the bound are refused with one line naming the file and the field; the data root
for evaluation follows the documented precedence.

The checkpoints here are written by hand (no training), so each test changes one thing in an
otherwise valid checkpoint.
"""

from __future__ import annotations

import os
import struct
import zipfile
from pathlib import Path
from typing import Any

import pytest
import torch
from typer.testing import CliRunner

import gcnlab.cli.evaluate  # noqa: F401 (registers the command)
from gcnlab.cli.app import app
from gcnlab.errors import DataError, UsageError
from gcnlab.io import checkpoint as ck
from gcnlab.io.checkpoint import (
    FORMAT,
    MAX_PARAMETERS,
    Checkpoint,
    check_max_parameters,
    check_state_shapes,
    load_checkpoint,
    meta_state_shapes,
    validate_checkpoint,
)
from gcnlab.nn.models import GCN
from gcnlab.tasks.evaluate import checkpoint_data_root

RUNS = 2


def _state(seed: int) -> dict[str, torch.Tensor]:
    torch.manual_seed(seed)
    return {k: v.clone() for k, v in GCN(34, 16, 2).state_dict().items()}


def _payload() -> dict[str, Any]:
    """A valid two-run node checkpoint on karate, as save_checkpoint writes it."""
    return {
        "format": FORMAT,
        "format_version": 1,
        "gcnlab_version": "0.1.0",
        "task": "node",
        "model": "gcn",
        "config": {"dataset": "karate", "hidden": 16, "runs": RUNS, "root": None},
        "dataset": "karate",
        "fingerprint": "ab" * 32,
        "states": [_state(0), _state(1)],
        "metrics": {
            "dataset": "karate",
            "task": "node",
            "model": "gcn",
            "runs": RUNS,
            "seeds": [0, 1],
            "test_acc": [0.5, 0.75],
            "test_acc_mean": 0.625,
            "test_acc_std": 0.17,
        },
    }


def _save(path: Path, payload: Any) -> Path:
    torch.save(payload, path)
    return path


def test_a_valid_checkpoint_loads(tmp_path: Path) -> None:
    ckpt = load_checkpoint(_save(tmp_path / "ok.pt", _payload()))
    assert (ckpt.task, ckpt.model, ckpt.dataset, len(ckpt.states)) == ("node", "gcn", "karate", 2)
    assert torch.equal(ckpt.states[1]["conv1.lin.weight"], _state(1)["conv1.lin.weight"])


def _set(path: str, value: Any):  # noqa: ANN202
    """A change to the payload: ``path`` is ``"key"`` or ``"key.sub"``."""

    def change(payload: dict) -> None:
        *parents, last = path.split(".")
        target = payload
        for key in parents:
            target = target[key]
        target[last] = value

    return change


def _nan_in_run_2(payload: dict) -> None:
    payload["states"][1]["conv1.lin.weight"][3, 4] = float("nan")


def _inf_in_run_1(payload: dict) -> None:
    payload["states"][0]["conv2.lin.weight"][0, 0] = -float("inf")


def _other_shape_in_run_2(payload: dict) -> None:
    payload["states"][1]["conv2.lin.weight"] = torch.zeros(2, 8)


CONTRADICTIONS = [
    # (what is changed, the field and problem the one line names)
    (_set("states", []), r"'states' holds no run"),
    (_set("dataset", "cora"), r"'dataset' is 'cora' but config\['dataset'\] is 'karate'"),
    (_set("config.dataset", "citeseer"), r"'dataset' is 'karate' but config\['dataset'\] is"),
    (_set("metrics.dataset", "cora"), r"'dataset' is 'karate' but metrics\['dataset'\] is 'cora'"),
    (_set("metrics.model", "vgae"), r"'model' is 'gcn' but metrics\['model'\] is 'vgae'"),
    (_set("metrics.test_acc", [0.5, 0.6, 0.7]), r"'metrics\['test_acc'\]' has 3 entries for 2"),
    (_set("metrics.seeds", []), r"'metrics\['seeds'\]' has 0 entries for 2 runs"),
    (_set("metrics.test_acc", ["high", 0.5]), r"'metrics\['test_acc'\]' must be a list of num"),
    (_set("metrics.runs", 3), r"'metrics\['runs'\]' is 3 but 'states' holds 2 runs"),
    (_set("metrics.test_acc_mean", "0.6"), r"'metrics\['test_acc_mean'\]' must be a number"),
    (_set("config.runs", 1), r"'states' holds 2 runs but config\['runs'\] is 1"),
    (_set("config", ["dataset", "karate"]), r"'config' must be a dict, found list"),
    (_set("config.hidden", {"nested": 1}), r"'config\['hidden'\]' must be a plain value"),
    (_set("config.dataset", 7), r"'config\['dataset'\]' must be a str, found int"),
    (_set("task", 3), r"'task' must be a str, found int"),
    (_set("model", None), r"'model' must be a str, found NoneType"),
    (_set("model", " "), r"'model' is empty"),
    (_set("task", " "), r"'task' is empty"),
    (_set("metrics", [0.5]), r"'metrics' must be a dict, found list"),
    (_set("states", {"run": 1}), r"'states' must be a list, found dict"),
    (_set("fingerprint", "abc"), r"'fingerprint' must be a SHA-256 in hex"),
    (_set("gcnlab_version", 1.0), r"'gcnlab_version' must be a str, found float"),
    (_set("format_version", 0), r"'format_version' is 0; versions start at 1"),
    (_set("states", [_state(0), "weights"]), r"'states' \(run 2 of 2\) must be a non-empty dict"),
    (_set("states", [_state(0), {}]), r"'states' \(run 2 of 2\) must be a non-empty dict"),
    (_set("states", [{"w": 1.0}, _state(1)]), r"'states' \(run 1 of 2\) must map names to ten"),
    (_other_shape_in_run_2, r"'states' \(run 2 of 2\) has weights unlike run 1's \(first diff"),
    (
        _set("states", [{"w": torch.eye(2).to_sparse()}] * 2),
        r"'states' \(run 1 of 2\), tensor 'w', must be a dense real tensor",
    ),
    # NaN or infinite weights: named by file, run and tensor
    (_nan_in_run_2, r"'states' \(run 2 of 2\), tensor 'conv1.lin.weight', holds 1 NaN or inf"),
    (_inf_in_run_1, r"'states' \(run 1 of 2\), tensor 'conv2.lin.weight', holds 1 NaN or inf"),
]


@pytest.mark.parametrize(("change", "problem"), CONTRADICTIONS)
def test_contradictions_are_refused_with_one_line_naming_the_field(
    tmp_path: Path,
    change,
    problem: str,  # noqa: ANN001
) -> None:
    payload = _payload()
    change(payload)
    path = _save(tmp_path / "bad.pt", payload)
    with pytest.raises(DataError, match=r"bad\.pt is not a valid gcnlab checkpoint: " + problem):
        load_checkpoint(path)
    with pytest.raises(DataError) as refused:
        validate_checkpoint(payload, path)
    assert "\n" not in str(refused.value)


def test_zero_runs_are_refused_by_evaluate_with_one_line(tmp_path: Path) -> None:
    payload = _payload()
    payload["states"], payload["metrics"]["runs"] = [], 0
    payload["metrics"]["test_acc"] = payload["metrics"]["seeds"] = []
    path = _save(tmp_path / "empty.pt", payload)
    result = CliRunner().invoke(app, ["evaluate", str(path), "--device", "cpu"])
    assert result.exit_code == 1
    assert result.output.strip() == (
        f"error: {path} is not a valid gcnlab checkpoint: 'states' holds no run; "
        "a checkpoint needs at least one"
    )


def test_labels_agree_case_insensitively_and_partial_runs_are_valid(tmp_path: Path) -> None:
    payload = _payload()
    payload["config"].update(dataset="Karate", runs=10)  # 2 of 10 runs finished: partial
    assert len(load_checkpoint(_save(tmp_path / "p.pt", payload)).states) == 2


# -- hostile pickles ---------------------------------------------------------------------------


class _System:
    """Pickles to ``os.system(command)``."""

    def __init__(self, command: str) -> None:
        self.command = command

    def __reduce__(self):  # noqa: ANN204
        return os.system, (self.command,)


def test_a_pickle_calling_os_system_runs_nothing_and_names_the_global(tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    path = _save(tmp_path / "evil.pt", {**_payload(), "config": _System(f"touch {marker}")})
    torch.load(path, weights_only=False)  # the control: an unsafe load runs the command
    assert marker.exists()
    marker.unlink()

    with pytest.raises(DataError) as refused:
        load_checkpoint(path)
    message = str(refused.value)
    assert message == (
        f"{path} holds objects other than tensors and plain values; refusing to load it: "
        f"it imports {os.system.__module__}.system (nothing was run)"
    )
    assert "weights_only=False" not in message and "weights_only" not in message
    assert not marker.exists()


def _zip_with_pickle(path: Path, data: bytes) -> Path:
    """A valid checkpoint whose pickled part is replaced by ``data``."""
    valid = _save(path.with_suffix(".valid"), _payload())
    with zipfile.ZipFile(valid) as src, zipfile.ZipFile(path, "w") as dst:
        for name in src.namelist():
            dst.writestr(name, data if name.endswith("/data.pkl") else src.read(name))
    return path


# Hand-written pickles (protocol 0 to 4 opcodes), each importing one global that is not a tensor
# or a plain value: gcnlab names it from the opcodes, whatever torch would say about it.
HOSTILE_PICKLES = [
    (b"cposix\nsystem\n(S'true'\ntR.", "posix.system"),  # GLOBAL, REDUCE
    (b"(inbuiltins\neval\nS'1'\nb.", "nbuiltins.eval"),  # INST: one opcode, its own name
    (b"\x80\x02cbuiltins\nprint\n)R.", "builtins.print"),
    # protocol 4 STACK_GLOBAL, its names pushed as strings and memoized between
    (b"\x80\x04\x8c\x02nt\x94\x8c\x06system\x94\x93)R.", "nt.system"),
    (b"\x80\x04\x8c\x01x\x94\x8c\x01Y\x94h\x00h\x01\x93)\x81.", "x.Y"),  # names from the memo
    (b"\x80\x04\x8c\x01x\x8c\x01Yt\x94\x93.", "?"),  # names it computes: refused unnamed
    (b"\x80\x02\x82\x01)R.", "extension code 1"),  # copyreg's registry: a global by number
]


@pytest.mark.parametrize(("data", "named"), HOSTILE_PICKLES)
def test_hostile_pickles_are_named_from_their_opcodes(
    tmp_path: Path, no_torch_load: None, data: bytes, named: str
) -> None:
    path = _zip_with_pickle(tmp_path / "evil.pt", data)
    with pytest.raises(DataError) as refused:
        load_checkpoint(path)
    assert str(refused.value) == (
        f"{path} holds objects other than tensors and plain values; refusing to load it: "
        f"it imports {named} (nothing was run)"
    )


def test_broken_pickles_are_not_called_unsafe(tmp_path: Path, no_torch_load: None) -> None:
    for data in (b"\x80\x02}q\x00", b"\x80\x02\xff."):  # cut short; an unknown opcode
        path = _zip_with_pickle(tmp_path / "broken.pt", data)
        with pytest.raises(
            DataError,
            match=r"broken\.pt is not a readable gcnlab checkpoint \(its pickled part is not a "
            r"well-formed pickle\)$",
        ):
            load_checkpoint(path)


def test_what_torch_load_refuses_after_the_scan_is_one_line_by_type(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import pickle

    path = _save(tmp_path / "ok.pt", _payload())
    for exc, why in (
        (pickle.UnpicklingError("any wording\nat all"), "torch.load refused its pickled part"),
        (RuntimeError("any wording"), "torch.load could not read it: RuntimeError"),
    ):

        def load(*args: object, exc: Exception = exc, **kwargs: object) -> None:
            raise exc

        monkeypatch.setattr(torch, "load", load)
        with pytest.raises(DataError) as refused:
            load_checkpoint(path)
        assert str(refused.value) == f"{path} is not a readable gcnlab checkpoint ({why})"


def test_a_zip_without_one_pickled_part_is_refused(tmp_path: Path, no_torch_load: None) -> None:
    path = tmp_path / "nopkl.pt"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("archive/version", "3")
    with pytest.raises(DataError, match=r"\(0 pickled parts in the zip; torch.save writes one\)"):
        load_checkpoint(path)


# -- bounded expansion -------------------------------------------------------------------------


@pytest.fixture
def no_torch_load(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fail the test if a tensor is materialized: the refusals below come from metadata."""

    def forbidden(*args: object, **kwargs: object) -> None:
        raise AssertionError("torch.load called before the size checks refused the file")

    monkeypatch.setattr(torch, "load", forbidden)


def _deflated(source: Path, target: Path) -> Path:
    """``source`` re-zipped with deflate: what a 'compressed checkpoint' is."""
    with zipfile.ZipFile(source) as src, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as dst:
        for name in src.namelist():
            dst.writestr(name, src.read(name))
    return target


def test_a_file_larger_than_the_bound_is_refused_from_its_size(
    tmp_path: Path, no_torch_load: None
) -> None:
    path = _save(tmp_path / "big.pt", _payload())
    size = path.stat().st_size
    with pytest.raises(
        DataError,
        match=rf"big\.pt is {size} bytes, more than a checkpoint may be "
        r"\(4096 bytes\); refusing",
    ):
        load_checkpoint(path, max_bytes=4096)


def test_a_zip_bomb_is_refused_before_anything_is_inflated(
    tmp_path: Path, no_torch_load: None
) -> None:
    """A few kB that declare megabytes (deflate), within every size bound: refused from the zip
    directory, because torch.save compresses nothing; memory stays bounded by the file's size."""
    import tracemalloc

    payload = _payload()
    payload["states"][0]["conv1.lin.weight"] = torch.zeros(2_000_000)  # 8 MB of zeros
    bomb = _deflated(_save(tmp_path / "plain.pt", payload), tmp_path / "bomb.pt")
    assert bomb.stat().st_size < 100_000  # deflate: 8 MB of zeros in a few kB
    tracemalloc.start()
    try:
        with pytest.raises(
            DataError,
            match=r"bomb\.pt: its zip entry plain/data\.pkl is compressed \(\d+ bytes declared "
            r"to expand to \d+\); torch.save stores entries uncompressed, so this is not a "
            r"gcnlab checkpoint; refusing to load it \(nothing was inflated\)",
        ):
            load_checkpoint(bomb)  # the default bound, 1 GiB, is far above 8 MB
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 2_000_000


def test_zip_entries_that_overlap_are_refused(tmp_path: Path, no_torch_load: None) -> None:
    """Stored entries whose directory records point at the same bytes would repeat them."""
    path = _save(tmp_path / "plain.pt", _payload())
    data = bytearray(path.read_bytes())
    end = data.rfind(b"PK\x05\x06")
    directory_at = int.from_bytes(data[end + 16 : end + 20], "little")
    first = data.find(b"PK\x01\x02", directory_at)
    second = data.find(b"PK\x01\x02", first + 4)
    # point the second entry's record at the first entry's local header (offset 0)
    name_len = int.from_bytes(data[second + 28 : second + 30], "little")
    first_size = int.from_bytes(data[first + 20 : first + 24], "little")
    data[second + 20 : second + 28] = first_size.to_bytes(4, "little") * 2
    data[second + 42 : second + 46] = (0).to_bytes(4, "little")
    assert name_len > 0
    bad = tmp_path / "overlap.pt"
    bad.write_bytes(bytes(data))
    with pytest.raises(DataError, match=r"overlap\.pt: its zip entries .* overlap; entries"):
        load_checkpoint(bad)


def test_a_zip_directory_of_millions_of_entries_is_refused_before_it_is_parsed(
    tmp_path: Path, no_torch_load: None
) -> None:
    # only the end record: 65535 entries (also ZIP64's marker) in a 4 GiB directory
    end = b"PK\x05\x06" + struct.pack("<HHHHIIH", 0, 0, 0xFFFF, 0xFFFF, 0xFFFFFFFF, 0, 0)
    path = tmp_path / "many.pt"
    path.write_bytes(b"\0" * 100 + end)
    with pytest.raises(DataError, match=r"many\.pt lists 65535 zip entries"):
        load_checkpoint(path)


def test_a_huge_pickled_part_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ck, "MAX_PICKLE_BYTES", 2000)
    payload = _payload()
    payload["metrics"]["note"] = "x" * 5000
    with pytest.raises(
        DataError,
        match=r"its pickled part \(\S+data\.pkl\) is \d+ bytes, more "
        r"than a checkpoint's \(2000 bytes\)",
    ):
        load_checkpoint(_save(tmp_path / "pickle.pt", payload))


@pytest.mark.parametrize("kind", ["folder", "fifo", "garbage"])
def test_what_is_not_a_checkpoint_file_is_named(tmp_path: Path, kind: str) -> None:
    path = tmp_path / "c.pt"
    if kind == "folder":
        path.mkdir()
        with pytest.raises(UsageError, match=r"c\.pt is a folder, not a checkpoint file"):
            load_checkpoint(path)
        return
    if kind == "fifo":
        if not hasattr(os, "mkfifo"):
            pytest.skip("no FIFOs on this system")
        os.mkfifo(path)  # never opened for writing: a blocking open would hang here
        with pytest.raises(DataError, match=r"c\.pt is not a regular file \(a FIFO or a device"):
            load_checkpoint(path)
        return
    path.write_bytes(b"PK\x03\x04" + b"\0" * 50)
    with pytest.raises(DataError, match=r"c\.pt is not a readable gcnlab checkpoint \(not a zip"):
        load_checkpoint(path)


def test_model_size_is_checked_from_the_config_before_anything_is_built() -> None:
    # hidden=400000 on Cora: 2.3 GB of weights if built; on the meta device, no memory at all
    shapes = meta_state_shapes(lambda: GCN(1433, 400_000, 7))
    assert shapes == {"conv1.lin.weight": (400_000, 1433), "conv2.lin.weight": (7, 400_000)}
    too_big = r"cora\.pt: the model its config describes has 576000000 parameters, more than "
    with pytest.raises(DataError, match=too_big + rf".* \({MAX_PARAMETERS}\); refusing"):
        check_max_parameters(shapes, "cora.pt")
    small = meta_state_shapes(lambda: GCN(34, 16, 2))
    assert check_max_parameters(small, "k.pt") == 34 * 16 + 16 * 2
    assert small == {k: tuple(v.shape) for k, v in GCN(34, 16, 2).state_dict().items()}


def test_stored_shapes_are_checked_against_the_config_for_every_run(tmp_path: Path) -> None:
    ckpt = load_checkpoint(_save(tmp_path / "k.pt", _payload()))
    check_state_shapes(ckpt, meta_state_shapes(lambda: GCN(34, 16, 2)))  # passes
    with pytest.raises(
        DataError,
        match=r"k\.pt holds weights .* but the model built from its "
        r"config needs .* \(first difference: conv1\.lin\.weight",
    ):
        check_state_shapes(ckpt, meta_state_shapes(lambda: GCN(34, 400_000, 2)))


# -- the data root for evaluation --------------------------------------------------------------


def _with_root(stored: str | None) -> Checkpoint:
    payload = _payload()
    payload["config"]["root"] = stored
    return validate_checkpoint(payload, Path("k.pt"))


@pytest.mark.parametrize(
    ("explicit", "env", "stored", "expected"),
    [
        ("/explicit", "/env", "/stored", "/explicit"),  # --root wins
        (None, "/env", "/stored", "/env"),  # then $GCNLAB_DATA, over the stored root
        (None, None, "/stored", "/stored"),  # then the root the run used
        (None, "", "/stored", "/stored"),  # an empty variable is unset
        (None, None, None, None),  # then the default, ./datasets
    ],
)
def test_data_root_precedence(
    monkeypatch: pytest.MonkeyPatch,
    explicit: str | None,
    env: str | None,
    stored: str | None,
    expected: str | None,
) -> None:
    if env is None:
        monkeypatch.delenv("GCNLAB_DATA", raising=False)
    else:
        monkeypatch.setenv("GCNLAB_DATA", env)
    assert checkpoint_data_root(_with_root(stored), explicit) == expected


def test_data_root_accepts_paths(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GCNLAB_DATA", "/env")
    assert checkpoint_data_root(_with_root("/stored"), Path("/given")) == "/given"


def test_the_known_tasks_can_be_given(tmp_path: Path) -> None:
    payload = _payload()
    payload["task"] = payload["metrics"]["task"] = "graph"
    path = _save(tmp_path / "g.pt", payload)
    assert load_checkpoint(path, tasks=("node", "graph")).task == "graph"
    with pytest.raises(DataError, match=r"'task' is 'node'; this gcnlab knows graph"):
        validate_checkpoint(_payload(), path, tasks=["graph"])
