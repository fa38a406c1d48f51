"""HDF5 result files: one self-describing file per run, written atomically, read back verified.

Layout (documented in ``docs/hdf5.md``): root attributes hold the provenance (schema version,
software version, git commit, seed, random generator, temperature, kT, the whole config as TOML
text, start and end time); groups and datasets hold the results, each dataset with a ``unit``
attribute (energies in J, with the run's ``kT`` in J as a second attribute). Arrays of
``CHUNK_MIN`` or more elements are chunked and gzip-compressed.

Writing goes to a hidden temporary name in the destination folder, which is flushed, synced and
renamed over the destination with ``os.replace``: a reader sees the old file or the complete new
one, never a partial file. A SHA-256 digest of every dataset's name, dtype, shape and bytes is
stored as the root attribute ``content_sha256``; ``read`` recomputes it, so a damaged or
truncated file raises ``ResultFileError`` instead of returning wrong numbers.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import subprocess
import tempfile
import tomllib
import uuid
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import h5py
import numpy as np

from simcore.constants import kT as thermal_energy
from simcore.rng import GENERATOR

#: Version of the file layout; bump when a reader of the old layout would misread the new one.
SCHEMA_VERSION = 1
#: Value of the root attribute ``format``.
FORMAT = "limsim-result"
#: Arrays with at least this many elements are chunked and gzip-compressed.
CHUNK_MIN = 64
#: gzip level of compressed datasets (1 fast ... 9 small).
GZIP_LEVEL = 4

#: Root attributes every result file carries.
REQUIRED_ATTRS = (
    "format",
    "schema_version",
    "software_version",
    "git_commit",
    "experiment",
    "seed",
    "generator",
    "temperature",
    "kT",
    "config_toml",
    "started",
    "finished",
    "content_sha256",
)


class ResultFileError(OSError):
    """A result file is missing, damaged, truncated or not a limsim result file."""

    def __init__(self, path: os.PathLike | str, reason: str):
        self.path = str(path)
        self.reason = reason
        super().__init__(f"{path}: {reason}")


@dataclass(frozen=True)
class Data:
    """A dataset to write: ``value`` (array or scalar) with its ``unit`` and a description."""

    value: object
    unit: str = ""
    description: str = ""


@dataclass(frozen=True)
class Result:
    """A result file read back: root attributes, datasets by path (``"group/name"``), their
    attributes, and the config parsed from its TOML text."""

    path: Path
    attrs: dict
    data: dict[str, np.ndarray]
    dataset_attrs: dict[str, dict] = field(repr=False)
    config: dict = field(repr=False)

    def __getitem__(self, key: str) -> np.ndarray:
        try:
            return self.data[key]
        except KeyError:
            raise ResultFileError(self.path, f"has no dataset {key!r}") from None

    def unit(self, key: str) -> str:
        return self.dataset_attrs.get(key, {}).get("unit", "")

    def group(self, prefix: str) -> dict[str, np.ndarray]:
        """Datasets directly under group ``prefix``, by their name within it."""
        head = prefix.rstrip("/") + "/"
        return {
            k[len(head):]: v for k, v in self.data.items() if k.startswith(head)
            and "/" not in k[len(head):]
        }


def now() -> str:
    """The current time, UTC, ISO 8601 with seconds."""
    return datetime.now(UTC).isoformat(timespec="seconds")


def software_version() -> str:
    try:
        from importlib.metadata import version

        return version("limsim")
    except Exception:  # not installed: the package's own number
        from simcore import __version__

        return __version__


def git_commit() -> str:
    """The commit of the source tree this package was imported from, ``+dirty`` when tracked
    files differ from it, or ``"unknown"`` outside a git checkout."""
    root = Path(__file__).resolve().parent.parent
    try:
        head = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=root, capture_output=True, text=True, timeout=5
        )
        if head.returncode != 0:
            return "unknown"
        commit = head.stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=root, capture_output=True, text=True, timeout=10,
        )
        return commit + ("+dirty" if dirty.returncode == 0 and dirty.stdout.strip() else "")
    except (OSError, subprocess.SubprocessError):
        return "unknown"


def provenance(
    *,
    experiment: str,
    seed: int,
    temperature: float,
    config_toml: str,
    started: str,
    finished: str | None = None,
) -> dict:
    """Root attributes of a result file (``content_sha256`` is added by ``write``)."""
    try:
        tomllib.loads(config_toml)
    except tomllib.TOMLDecodeError as exc:
        raise ValueError(f"config_toml is not valid TOML: {exc}") from None
    return {
        "format": FORMAT,
        "schema_version": SCHEMA_VERSION,
        "software_version": software_version(),
        "git_commit": git_commit(),
        "experiment": experiment,
        "seed": int(seed),
        "generator": GENERATOR,
        "temperature": float(temperature),
        "kT": thermal_energy(temperature),
        "config_toml": config_toml,
        "started": started,
        "finished": finished or now(),
    }


def _flatten(tree: Mapping, prefix: str = "") -> dict[str, Data]:
    out: dict[str, Data] = {}
    for key, value in tree.items():
        if not isinstance(key, str) or not key or "/" in key or key.startswith("."):
            raise ValueError(f"dataset or group name {key!r} must be a non-empty str without '/'")
        path = prefix + key
        if isinstance(value, Mapping):
            out.update(_flatten(value, path + "/"))
        else:
            out[path] = value if isinstance(value, Data) else Data(value)
    return out


def _as_array(path: str, value) -> np.ndarray:
    if isinstance(value, str):
        return np.array(value, dtype=h5py.string_dtype())
    arr = np.asarray(value)
    if arr.dtype.kind in "US" or (arr.dtype == object and arr.size and isinstance(
        arr.flat[0], str
    )):
        return np.array(arr.astype(str).tolist(), dtype=h5py.string_dtype())
    if arr.dtype.kind not in "biuf":
        raise ValueError(f"dataset {path!r}: cannot store dtype {arr.dtype} (numbers or text)")
    return arr


def _digest_update(h, path: str, arr: np.ndarray) -> None:
    h.update(path.encode())
    if arr.dtype.kind == "O" or h5py.check_string_dtype(arr.dtype) is not None:
        items = [x.decode() if isinstance(x, bytes) else str(x) for x in np.ravel(arr)]
        h.update(b"str" + repr(arr.shape).encode())
        for s in items:
            h.update(s.encode() + b"\0")
        return
    a = np.ascontiguousarray(arr)
    h.update(a.dtype.str.encode() + repr(a.shape).encode())
    h.update(a.tobytes())


def _digest(items: dict[str, np.ndarray]) -> str:
    h = hashlib.sha256()
    for path in sorted(items):
        _digest_update(h, path, items[path])
    return h.hexdigest()


#: Suffix of the temporary files of ``atomic_path``; their names are ``.DEST.<hex>.tmp``.
TEMP_SUFFIX = ".tmp"


@contextlib.contextmanager
def atomic_path(dest: os.PathLike | str) -> Iterator[Path]:
    """A temporary path beside ``dest`` that becomes ``dest`` when the block ends normally.

    The caller writes a file at the yielded path (any writer: h5py, matplotlib, ``open``). On
    normal exit the file is synced and renamed onto ``dest`` with ``os.replace`` (and the
    folder synced where the OS allows it); if the block raises, including ``KeyboardInterrupt``,
    the temporary file is removed. A reader sees the old file or the complete new one, never a
    partial file, and an interrupted write leaves at most a hidden ``.DEST.<hex>.tmp`` (see
    ``is_temporary``) after a kill.

    Parameters
    ----------
    dest : path-like
        The file to write; its folder must exist.

    Yields
    ------
    pathlib.Path
        The temporary path, ``.DEST.<12 hex digits>.tmp`` in the folder of ``dest``.

    Raises
    ------
    OSError
        When the temporary file cannot be synced or renamed (it is removed then).
    """
    dest = Path(dest)
    tmp = dest.with_name(f".{dest.name}.{uuid.uuid4().hex[:12]}{TEMP_SUFFIX}")
    try:
        yield tmp
        with open(tmp, "rb+") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp, dest)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise
    with contextlib.suppress(OSError):  # make the rename durable where the OS allows it
        fd = os.open(dest.parent, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def write_text_atomic(dest: os.PathLike | str, text: str) -> Path:
    """Write ``text`` (UTF-8) to ``dest`` through ``atomic_path``; returns ``dest`` as a Path."""
    with atomic_path(dest) as tmp:
        tmp.write_text(text, encoding="utf-8")
    return Path(dest)


def is_temporary(name: str, dest_name: str | None = None) -> bool:
    """True when the file name ``name`` is a temporary file of ``atomic_path`` (of the
    destination named ``dest_name``, when given): a leftover of a write that was killed."""
    head = "." if dest_name is None else f".{dest_name}."
    return name.startswith(head) and name.endswith(TEMP_SUFFIX)


def leftover_temporaries(folder: os.PathLike | str) -> list[Path]:
    """The hidden temporary files of ``atomic_path`` under ``folder`` (recursively), sorted:
    what writes killed by SIGKILL or a power cut left behind. None of them is a result; they
    are listed rather than deleted, since a write running now has one too.

    Parameters
    ----------
    folder : path-like
        A results folder (missing: no files).

    Returns
    -------
    list of Path
    """
    folder = Path(folder)
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.rglob(f".*{TEMP_SUFFIX}")
                  if p.is_file() and is_temporary(p.name))


def write(path: os.PathLike | str, tree: Mapping, attrs: Mapping) -> Path:
    """Write ``tree`` (nested mapping of groups -> datasets; leaves are ``Data`` or plain arrays)
    with root ``attrs`` (from ``provenance``) to ``path``, atomically. Returns the path.

    Datasets with unit ``"J"`` also get the attribute ``kT`` (J) from ``attrs["kT"]``.
    """
    dest = Path(path)
    missing = [a for a in REQUIRED_ATTRS if a != "content_sha256" and a not in attrs]
    if missing:
        raise ValueError(f"root attributes missing: {', '.join(missing)} (see io.provenance)")
    items = _flatten(tree)
    arrays = {p: _as_array(p, d.value) for p, d in items.items()}
    digest = _digest(arrays)
    dest.parent.mkdir(parents=True, exist_ok=True)
    with atomic_path(dest) as tmp, h5py.File(tmp, "w") as f:
        for key, value in attrs.items():
            f.attrs[key] = value
        f.attrs["content_sha256"] = digest
        for p, d in items.items():
            arr = arrays[p]
            kwargs = {}
            if arr.ndim >= 1 and arr.size >= CHUNK_MIN and arr.dtype.kind != "O":
                kwargs = {
                    "chunks": True,
                    "compression": "gzip",
                    "compression_opts": GZIP_LEVEL,
                    "shuffle": True,
                    "fletcher32": True,
                }
            ds = f.create_dataset(p, data=arr, **kwargs)
            ds.attrs["unit"] = d.unit
            if d.description:
                ds.attrs["description"] = d.description
            if d.unit == "J":
                ds.attrs["kT"] = float(attrs["kT"])
    return dest


def _attr(value):
    if isinstance(value, bytes):
        return value.decode()
    if isinstance(value, np.generic):
        return value.item()
    return value


def read(path: os.PathLike | str) -> Result:
    """Read a result file and verify it; raises ``ResultFileError`` naming the file and what is
    wrong when it is missing, not HDF5, truncated, damaged or not a limsim result file."""
    src = Path(path)
    if not src.is_file():
        raise ResultFileError(src, "no such file")
    data: dict[str, np.ndarray] = {}
    dattrs: dict[str, dict] = {}
    try:
        with h5py.File(src, "r") as f:
            attrs = {k: _attr(v) for k, v in f.attrs.items()}

            def visit(name, obj):
                if isinstance(obj, h5py.Dataset):
                    arr = obj[()]
                    if h5py.check_string_dtype(obj.dtype) is not None:
                        arr = np.asarray(obj.asstr()[()], dtype=object)
                    data[name] = np.asarray(arr) if not isinstance(arr, str) else arr
                    dattrs[name] = {k: _attr(v) for k, v in obj.attrs.items()}

            f.visititems(visit)
    except ResultFileError:
        raise
    except (OSError, RuntimeError, KeyError, ValueError) as exc:
        raise ResultFileError(
            src, f"damaged or truncated HDF5 file, cannot be read ({exc})"
        ) from None
    if attrs.get("format") != FORMAT:
        raise ResultFileError(src, f"not a limsim result file (format={attrs.get('format')!r})")
    missing = [a for a in REQUIRED_ATTRS if a not in attrs]
    if missing:
        raise ResultFileError(src, f"damaged: root attributes missing: {', '.join(missing)}")
    if int(attrs["schema_version"]) > SCHEMA_VERSION:
        raise ResultFileError(
            src,
            f"schema version {attrs['schema_version']} is newer than this reader's"
            f" ({SCHEMA_VERSION}); update limsim",
        )
    for k, v in data.items():
        if isinstance(v, str):
            data[k] = np.array(v, dtype=object)
    if _digest(data) != attrs["content_sha256"]:
        raise ResultFileError(src, "damaged: content checksum (content_sha256) does not match")
    try:
        config = tomllib.loads(attrs["config_toml"])
    except tomllib.TOMLDecodeError as exc:
        raise ResultFileError(src, f"damaged: config_toml is not valid TOML ({exc})") from None
    return Result(src, attrs, data, dattrs, config)


def writable_folder(folder: os.PathLike | str) -> Path:
    """Check, before any work, that ``folder`` (created later if missing) can hold result files;
    raises ``ResultFileError`` naming the folder otherwise. Creates nothing."""
    target = Path(folder).resolve()
    probe = target
    while not probe.exists():
        if probe.parent == probe:
            break
        probe = probe.parent
    if not probe.is_dir():
        raise ResultFileError(folder, f"cannot create the output folder ({probe} is not a folder)")
    if not os.access(probe, os.W_OK | os.X_OK):
        raise ResultFileError(folder, f"output folder not writable ({probe} is read-only)")
    if probe == target:
        try:  # access() can be wrong (ACLs, read-only mounts): try a real file
            with tempfile.TemporaryFile(dir=target):
                pass
        except OSError as exc:
            raise ResultFileError(folder, f"output folder not writable ({exc})") from None
    return target
