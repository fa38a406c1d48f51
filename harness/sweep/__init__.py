"""Parameter sweeps on Dask: many runs of one experiment, one seed and one file per point.

A sweep is a ``SweepSpec`` (an experiment name, base config values, axes to scan and a root seed),
usually read from TOML::

    experiment = "landauer_erasure"
    seed = 2024

    [base]
    n_cells = 100_000

    [[axes]]                       # cartesian product of its keys
    kind = "grid"
    values.barrier = [10.0, 20.0, 40.0]
    values.temperature = [300.0, 350.0]

    [[axes]]                       # keys walked together
    kind = "zip"
    values.duration = [1e-9, 1e-8]
    values.dt = [1e-11, 1e-10]

    [[axes]]                       # samples drawn from the root seed
    kind = "random"
    samples = 8
    values.tilt = { low = 2.0, high = 12.0 }
    values.f0 = { low = 1e8, high = 1e10, scale = "log" }
    values.n_levels = { low = 2, high = 4, integer = true }
    values.kinetics = { choices = ["arrhenius", "glauber"] }

The points are the cartesian product of the axes (the first axis varies slowest); point ``i``
gets the config ``base | axis values`` and the seed ``seed_of(root, i)``, a pure function of the
root seed and ``i`` (``numpy.random.SeedSequence(root).spawn(n)[i]``), so results do not depend on
scheduling, worker count or which points were run before.

``run_sweep(spec, run_point, out_dir)`` runs every point on Dask (an embedded local cluster, or an
existing one by address) and keeps in ``out_dir``::

    sweep.json                      the spec and its fingerprint (a directory holds one sweep)
    points/point-000042.h5          one file per point, written by ``run_point``
    records/point-000042.json       one ``PointRecord`` per finished point (status, results,
                                    checksum)
    index.h5                        every point's axes, seed, status, error and results

The modules, one job each: ``spec`` (the spec and the point seeds), ``records`` (typed point
records), ``index`` (``index.h5``), ``lock`` (one sweep per directory), ``directory`` (the
files of a sweep), ``schedule`` (the Dask scheduling), ``points`` (what a point of
``limsim sweep`` runs: a registered experiment) and ``plots`` (``limsim plot SWEEP``). The memory
guard is ``harness.memory``, the interrupt guard ``harness.interrupt``, the atomic write
``simcore.io.atomic_path``.

Contract for ``run_point(point: dict, seed: int, path: str) -> dict[str, float]``: a picklable
callable (simplest: a module-level function of a module installed on every worker). It runs one
point with ``seed`` and writes one HDF5 file at ``path`` atomically: it writes a temporary file
in the same directory and ``os.replace``-s it onto ``path`` as its last act, so ``path`` is never
half-written. It returns the point's scalar results (names without ``/``, values real numbers).
It may raise; the point is then recorded as failed with the error, and the sweep goes on.
``points/`` belongs to the sweep: anything there but the finished points' files is removed as a
partial leftover. ``out_dir`` must be on a filesystem that the workers and this process see at
the same path.

After ``run_point`` returns, the sweep checks that ``path`` exists and opens as HDF5 and records
its size and SHA-256. A rerun skips the points whose record says ok and whose file still matches
(resume); failed points are skipped unless ``retry_failed``; everything else runs. The index is
rebuilt from the records in point order, so a resumed sweep's index equals an uninterrupted one's.
"""


from harness.interrupt import Interrupted
from harness.memory import MemoryRefused
from harness.sweep.index import INDEX_FILE, DamagedFileError, SweepIndex, load_index, write_index
from harness.sweep.records import Outcome, PointRecord
from harness.sweep.schedule import run_sweep
from harness.sweep.spec import (
    Choice,
    Grid,
    Random,
    SweepSpec,
    Uniform,
    Zip,
    from_toml_text,
    load_spec,
    seed_of,
)

__all__ = [
    "INDEX_FILE",
    "Choice",
    "DamagedFileError",
    "Grid",
    "Interrupted",
    "MemoryRefused",
    "Outcome",
    "PointRecord",
    "Random",
    "SweepIndex",
    "SweepSpec",
    "Uniform",
    "Zip",
    "from_toml_text",
    "load_index",
    "load_spec",
    "run_sweep",
    "seed_of",
    "write_index",
]
