"""Where the kernels run, chosen once per array: CPU on the calling thread, CPU on the thread
pool, or CUDA.

An array asks ``select_backend`` once, at construction; afterwards every kernel call goes
through ``backend.kernel(name)``. A backend says which kernels it runs (``kernels``); a request
for another one is a ``ParameterError`` naming ``backend`` (``require``), raised before any work,
never a silent fallback to another backend. The model is PySDM's backend object.

- ``CpuBackend(parallel=False)``: the ``*_serial`` variants (``_jit.jit_pair``), for arrays of
  fewer than ``PARALLEL_CELLS`` cells: waking the thread pool costs 0.1-2 ms on a loaded
  machine, more than a step of 10^4 cells. Same results as the parallel kernels.
- ``CpuBackend(parallel=True)``: the ``prange`` kernels on Numba's thread pool.
- ``CudaBackend``: the shared-landscape kernels of ``simcore.gpu`` (bit-identical to the CPU
  ones); the level counts of the states, which stay on the host, are counted on the host, and
  rare-flip steps (``kernels.sparse``) run there too.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numba

from simcore import kernels
from simcore.errors import ParameterError, one_of

#: Arrays with fewer cells run their kernels on the calling thread (same results either way).
PARALLEL_CELLS = 2**15

#: Every kernel family an array calls (the names of ``simcore.kernels``).
CPU_KERNELS = frozenset(
    {
        "bits_shared",
        "levels_shared",
        "levels_shared_per_cell",
        "bits_heterogeneous",
        "levels_step_heterogeneous",
        "bits_indexed",
        "levels_indexed",
        "count_levels",
        "counts_block",
        "sparse_shared",
    }
)
#: The kernels the CUDA backend runs.
CUDA_KERNELS = frozenset({"bits_shared", "levels_shared", "count_levels", "sparse_shared"})
#: The kernels the CUDA backend runs on its host (the states stay there; a rare-flip step
#: touches few cells).
HOST_KERNELS = frozenset({"count_levels", "sparse_shared"})


class _Backend:
    """What every backend has: ``option`` (its name in ``backend=``) and the names of the
    ``kernels`` it runs."""

    option: str
    kernels: frozenset

    @property
    def name(self) -> str:
        """The backend's name in reports and errors (``option``, unless a subclass says more)."""
        return self.option

    def require(self, kernel: str) -> None:
        """Raise ``ParameterError`` (``backend``) unless this backend runs ``kernel``."""
        if kernel not in self.kernels:
            runs = ", ".join(sorted(self.kernels))
            raise ParameterError(
                "backend",
                self.option,
                f'a backend that runs {kernel} ("cpu"); "{self.option}" runs {runs}',
            )


@dataclass(frozen=True)
class CpuBackend(_Backend):
    """The Numba CPU kernels, on the thread pool (``parallel``) or on the calling thread."""

    parallel: bool
    option: str = "cpu"
    kernels: frozenset = field(default=CPU_KERNELS, repr=False)

    @property
    def name(self) -> str:
        return "cpu-parallel" if self.parallel else "cpu-serial"

    def kernel(self, name: str, *, serial: bool | None = None):
        """The compiled kernel ``name`` of ``simcore.kernels``: the parallel one, or its
        ``_serial`` variant on a serial backend (or when ``serial`` says so: a caller whose
        work per call, not the array size, decides, as the aggregated engine's blocks)."""
        self.require(name)
        on_thread = not self.parallel if serial is None else serial
        return getattr(kernels, name + "_serial" if on_thread else name)

    def threads(self) -> int:
        """Threads a kernel call may use (1 on the calling thread)."""
        return numba.get_num_threads() if self.parallel else 1


@dataclass(frozen=True)
class CudaBackend(_Backend):
    """``simcore.gpu``'s shared-landscape kernels; level counts on the host (``host``)."""

    host: CpuBackend
    option: str = "cuda"
    kernels: frozenset = field(default=CUDA_KERNELS, repr=False)

    def kernel(self, name: str, *, serial: bool | None = None):
        """The kernel ``name``, with the CPU kernels' bundled signature."""
        self.require(name)
        if name in HOST_KERNELS:
            return self.host.kernel(name)
        from simcore import gpu

        launch = gpu.bits_shared if name == "bits_shared" else gpu.levels_shared

        def call(*, cells, steps, stream, tallies):
            launch(
                cells.state,
                steps.thresholds,
                stream.key,
                stream.gamma,
                stream.step,
                cells.bounds,
                tallies.counts,
                tallies.changes,
            )

        return call

    def threads(self) -> int:
        return 1


Backend = CpuBackend | CudaBackend


def select_backend(backend: str, n_cells: int) -> Backend:
    """The backend for an array of ``n_cells`` cells: ``"cpu"`` (serial below
    ``PARALLEL_CELLS`` cells, else parallel) or ``"cuda"``.

    Raises
    ------
    ParameterError
        Naming ``backend`` for another name, or ``"cuda"`` where no CUDA device (or Numba's
        CUDA simulator) is usable.
    """
    one_of("backend", backend, ("cpu", "cuda"))
    cpu = CpuBackend(parallel=n_cells >= PARALLEL_CELLS)
    if backend == "cpu":
        return cpu
    from simcore import gpu

    if not gpu.available():
        raise ParameterError("backend", backend, '"cpu" (no usable CUDA device here)')
    return CudaBackend(host=cpu)
