"""Named sub-seeds: every random stream of a run comes from its root seed by a named spawn key.

A run has one root seed (the config's ``seed``). Each stream it uses (an array's cells, a problem
instance, a restart, a reverse protocol) gets its own seed from
``numpy.random.SeedSequence(root, spawn_key=key)``, where ``key`` starts with a 64-bit hash of
the stream's *name* followed by its integer indices (``seeds.seed("restart", 3)``). Streams with
different names or indices are then independent by SeedSequence's construction (O'Neill's
seed-sequence hashing, as used by ``numpy.random``), never equal by an accident of arithmetic such
as ``seed + 1000 * n + 17 * bits``, and any one of them can be replayed alone from the table the
result file lists (:meth:`Seeds.table`). QuTiP's multi-trajectory solver stores each
trajectory's seed for the same reason.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import numpy as np

from simcore.errors import ParameterError
from simcore.rng import check_seed


def name_key(name: str) -> int:
    """The first spawn-key word of a stream named ``name``: 64 bits of its BLAKE2b hash."""
    return int.from_bytes(hashlib.blake2b(name.encode(), digest_size=8).digest(), "little")


@dataclass(frozen=True)
class Stream:
    """One named stream of a run: its label, its spawn key and the seed derived from it."""

    label: str
    spawn_key: tuple[int, ...]
    seed: int


class Seeds:
    """The sub-seeds of one run, derived from ``root`` by named spawn keys and remembered.

    Parameters
    ----------
    root : int
        The run's root seed, an integer in [0, 2**64).
    prefix : tuple of int, optional
        Spawn key of the parent, for :meth:`child` (not for direct use).

    Examples
    --------
    >>> seeds = Seeds(7)
    >>> a = seeds.seed("cells", 0)        # an int for MemoryArray(seed=...)
    >>> rng = seeds.rng("instance", 3)    # a numpy Generator
    >>> [s.label for s in seeds.table()]
    ['cells[0]', 'instance[3]']
    """

    def __init__(self, root: int, *, _prefix: tuple[int, ...] = (), _label: str = "",
                 _log: dict[str, Stream] | None = None):
        self.root = check_seed(root)
        self._prefix = _prefix
        self._label = _label
        self._log: dict[str, Stream] = {} if _log is None else _log

    def _key(self, name: str, index: tuple[int, ...]) -> tuple[tuple[int, ...], str]:
        if not isinstance(name, str) or not name:
            raise ParameterError("name", name, "a non-empty string naming the stream")
        for i in index:
            if isinstance(i, bool) or not isinstance(i, int | np.integer) or int(i) < 0:
                raise ParameterError("index", i, "integers >= 0")
        idx = tuple(int(i) for i in index)
        label = self._label + name + (f"[{','.join(map(str, idx))}]" if idx else "")
        return (*self._prefix, name_key(name), *idx), label

    def _record(self, name: str, index: tuple[int, ...]) -> tuple[np.random.SeedSequence, Stream]:
        key, label = self._key(name, index)
        seq = np.random.SeedSequence(self.root, spawn_key=key)
        stream = Stream(label, key, int(seq.generate_state(1, np.uint64)[0]))
        self._log.setdefault(label, stream)
        return seq, stream

    def sequence(self, name: str, *index: int) -> np.random.SeedSequence:
        """The ``SeedSequence`` of stream ``name[index]`` (recorded in :meth:`table`)."""
        return self._record(name, index)[0]

    def seed(self, name: str, *index: int) -> int:
        """An integer seed in [0, 2**64) for stream ``name[index]`` (an array's ``seed=``)."""
        return self._record(name, index)[1].seed

    def rng(self, name: str, *index: int) -> np.random.Generator:
        """A NumPy ``Generator`` (PCG64) on stream ``name[index]``."""
        return np.random.default_rng(self.sequence(name, *index))

    def child(self, name: str, *index: int) -> Seeds:
        """A ``Seeds`` whose streams live under ``name[index]`` (same root, longer spawn keys),
        recorded in the same table, for a sub-run that names its own streams."""
        key, label = self._key(name, index)
        return Seeds(self.root, _prefix=key, _label=label + "/", _log=self._log)

    def table(self) -> list[Stream]:
        """Every stream derived so far, in the order first used."""
        return list(self._log.values())

    def __repr__(self) -> str:
        return f"Seeds(root={self.root}, streams={len(self._log)})"


def replay(root: int, spawn_key) -> int:
    """The seed of the stream with ``spawn_key`` under ``root`` (as listed in a result file)."""
    seq = np.random.SeedSequence(check_seed(root), spawn_key=tuple(int(k) for k in spawn_key))
    return int(seq.generate_state(1, np.uint64)[0])
