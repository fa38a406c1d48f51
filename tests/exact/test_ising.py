"""The in-memory Ising machine (``simcore.lim.IsingMachine``): exact equilibrium, its ledger,
its kernel against the NumPy twin, thread invariance, and annealing to brute-forced ground
states.

Every reference here is computed independently of the machine: the Boltzmann averages by
enumerating all 2**N states, the ring's energy from its transfer matrix, the kernel's spins by
``tests.naive.ising_sweeps``. Tolerances are 4.5 standard errors from independent replicas.
"""

import itertools

import numba
import numpy as np
import pytest
import scipy.sparse as sp
import scipy.stats

import simcore.ising as ising
from simcore import draws
from simcore.errors import ParameterError
from simcore.lim import IsingMachine, LinearBeta, Logarithmic, NeuroSA, Static
from tests import naive


def random_instance(n, seed, density=0.5, integer=False):
    g = np.random.default_rng(seed)
    upper = np.triu(g.random((n, n)) < density, 1)
    vals = g.choice([-1.0, 1.0], size=(n, n)) if integer else g.normal(size=(n, n))
    j = np.where(upper, vals, 0.0)
    j = j + j.T
    h = g.integers(-1, 2, size=n).astype(float) if integer else 0.3 * g.normal(size=n)
    return sp.csr_matrix(j), h


def lattice(side, seed):
    """A periodic side x side +-J lattice."""
    idx = np.arange(side * side).reshape(side, side)
    a = np.concatenate([idx.ravel(), idx.ravel()])
    b = np.concatenate([np.roll(idx, -1, axis=1).ravel(), np.roll(idx, -1, axis=0).ravel()])
    v = np.random.default_rng(seed).choice([-1.0, 1.0], size=a.size)
    j = sp.coo_matrix((v, (a, b)), shape=(side * side,) * 2)
    return (j + j.T).tocsr()


def ring(n, coupling=1.0):
    i = np.arange(n)
    j = sp.coo_matrix((np.full(n, coupling), (i, (i + 1) % n)), shape=(n, n))
    return (j + j.T).tocsr()


def enumerate_states(j, h):
    """All 2**N spin vectors (2**N, N) and their energies H = -1/2 s J s - h s."""
    n = j.shape[0]
    s = np.array(list(itertools.product([-1.0, 1.0], repeat=n)))
    dense = j.toarray()
    return s, -0.5 * np.einsum("ki,ij,kj->k", s, dense, s) - s @ h


def boltzmann(j, h, beta):
    s, e = enumerate_states(j, h)
    w = np.exp(-beta * (e - e.min()))
    p = w / w.sum()
    return s, e, p


# --- the kernel against its twin --------------------------------------------------------------


def lattice_plus(side, seed, extra):
    """A periodic +-J lattice with ``extra`` random +-1 bonds added (some cells of degree 5)."""
    g = np.random.default_rng(seed)
    a, b = g.choice(side * side, size=(2, extra), replace=True)
    keep = a != b
    v = g.choice([-1.0, 1.0], size=int(keep.sum()))
    add = sp.coo_matrix((v, (a[keep], b[keep])), shape=(side * side,) * 2)
    j = (lattice(side, seed) + add + add.T).tocsr()
    j.data = np.clip(j.data, -2, 2)
    return j


@pytest.mark.parametrize("graph", ["real", "lattice", "irregular"])
@pytest.mark.parametrize("replicas", [1, 3])
@pytest.mark.parametrize("parallel", [False, True])
def test_kernel_matches_twin(monkeypatch, graph, replicas, parallel):
    """Real couplings (thresholds per update); integer couplings on a lattice (the degree-4
    loop) and with extra bonds (chunks of mixed degree: the CSR loop beside the degree-4 one)."""
    monkeypatch.setattr(ising, "CHUNK", 5)  # several chunks per class: the reduction order
    monkeypatch.setattr(ising, "PARALLEL_CELLS", 0 if parallel else 2**62)
    integer = graph != "real"
    fields = np.random.default_rng(1).integers(-2, 3, size=36).astype(float)
    if graph == "lattice":
        j, h = lattice(6, 2), fields
    elif graph == "irregular":
        j, h = lattice_plus(6, 2, 6), fields
    else:
        j, h = random_instance(30, 4)
    m = IsingMachine(j, h, replicas=replicas, seed=9, barrier=1e-21)
    assert (m._offset >= 0) == integer  # the tabulated and the computed thresholds
    degree = m._graph.degree
    if graph == "lattice":
        assert np.all(degree == 4)
    if graph == "irregular":
        assert np.any(degree == 4) and np.any(degree == -1)
    s0, t0 = m.spins.copy(), m.tilt.copy()
    res = m.anneal(LinearBeta(0.2, 2.0), 6)
    res2 = m.sample(1.5, 3)  # a second call continues the stream
    ref = naive.ising_sweeps(
        m.couplings, m.fields, m.colours, s0, t0, res.betas * m.kT, res.barriers, m.kT, m.f0,
        m.window, m.seed, 0, draws.ISING[0],
    )  # fmt: skip
    np.testing.assert_array_equal(res.spins, ref[0])
    np.testing.assert_array_equal(res.flips, ref[5])
    np.testing.assert_allclose(res.energy, ref[2], rtol=0, atol=1e-10)
    np.testing.assert_allclose(res.work, ref[3], rtol=1e-12, atol=1e-33)
    np.testing.assert_allclose(res.heat, ref[4], rtol=1e-12, atol=1e-33)
    ref2 = naive.ising_sweeps(
        m.couplings, m.fields, m.colours, ref[0], ref[1], res2.betas * m.kT, res2.barriers,
        m.kT, m.f0, m.window, m.seed, 6 * m.n_colours, draws.ISING[0],
    )  # fmt: skip
    np.testing.assert_array_equal(m.spins, ref2[0])
    np.testing.assert_array_equal(m.tilt, ref2[1])
    np.testing.assert_array_equal(res2.flips, ref2[5])
    # the second call starts from set tilts: its first sweep's work reads them
    np.testing.assert_allclose(res2.energy, ref2[2], rtol=0, atol=1e-10)
    np.testing.assert_allclose(res2.work, ref2[3], rtol=1e-12, atol=1e-33)
    np.testing.assert_allclose(res2.heat, ref2[4], rtol=1e-12, atol=1e-33)
    assert res.flips.sum() > 0 and res.flips.sum() < res.flips.size * m.n


def test_thread_count_does_not_change_results(monkeypatch):
    monkeypatch.setattr(ising, "CHUNK", 16)
    monkeypatch.setattr(ising, "PARALLEL_CELLS", 0)
    saved = numba.get_num_threads()
    out = []
    try:
        for threads, replicas in ((1, 3), (2, 3), (2, 1), (1, 1)):
            numba.set_num_threads(min(threads, numba.config.NUMBA_NUM_THREADS))
            m = IsingMachine(lattice(12, 3), replicas=replicas, seed=77)
            r = m.anneal(NeuroSA(theta_max=1.0, rate=0.1), 20)
            out.append((replicas, r.spins, r.energy, r.work, r.heat))
    finally:
        numba.set_num_threads(saved)
    for a, b in ((out[0], out[1]), (out[2], out[3])):
        for x, y in zip(a[1:], b[1:], strict=True):
            np.testing.assert_array_equal(x, y)
    # replica 0 of three is the one-replica chain (cells r N + i: replica 0 reads the same)
    np.testing.assert_array_equal(out[0][1][:1], out[2][1])


# --- the colouring -----------------------------------------------------------------------------


def test_colour_classes_are_independent_sets():
    for j in (lattice(8, 1), random_instance(40, 2)[0], ring(9)):
        m = IsingMachine(j)
        coo = j.tocoo()
        assert np.all(m.colours[coo.row] != m.colours[coo.col])
    assert IsingMachine(lattice(16, 1)).n_colours == 2
    assert IsingMachine(ring(9)).n_colours == 3  # an odd ring needs three


def test_learner_colour_classes_are_the_machines_independent_sets():
    """One colouring for both machines: the learner's classes of a graph given by one triangle
    of its edges (made symmetric) are the Ising machine's colour classes of the whole graph,
    they partition the nodes, and no edge joins two nodes of one class."""
    from simcore.learner import colour_classes

    for j in (lattice(8, 1), random_instance(40, 2)[0], ring(9)):
        m = IsingMachine(j)
        classes = colour_classes(sp.triu(j, k=1).tocsr())
        assert [c.tolist() for c in classes] == [
            np.flatnonzero(m.colours == c).tolist() for c in range(m.n_colours)
        ]
        assert sorted(np.concatenate(classes).tolist()) == list(range(m.n))
        coo = j.tocoo()
        for c in classes:
            inside = np.isin(coo.row, c) & np.isin(coo.col, c)
            assert not inside.any()


# --- exact equilibrium ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("seed", "barrier_kT", "integer"),
    [(1, 0.0, False), (2, 0.0, False), (3, 0.0, False), (1, 3.0, False), (2, 3.0, False),
     (3, 3.0, False), (1, 0.0, True), (2, 3.0, True)],
)  # fmt: skip
def test_equilibrium_matches_enumeration(seed, barrier_kT, integer):
    """Mean energy, one spin's magnetisation and the ground-state occupancy at constant beta,
    against exact Boltzmann averages over all 2**10 states; a raised barrier (lazy windows,
    r tau ~ 0.5) changes the speed, not the distribution. Integer couplings of mixed degree run
    the tabulated thresholds and the integer tallies."""
    j, h = random_instance(10, 100 + seed, integer=integer)
    beta = 0.5
    s, e, p = boltzmann(j, h, beta)
    ground = np.argmin(e)
    kT = ising.K_B * 300.0
    m = IsingMachine(j, h, replicas=200, seed=seed, barrier=barrier_kT * kT)
    assert (m._offset >= 0) == integer
    m.sample(beta, 150)  # burn-in (a spin glass: at beta = 0.8 it takes ~1000 sweeps)
    res = m.sample(beta, 300)
    # per replica time averages: independent across replicas
    e_rep = res.energy[1:].mean(axis=0)
    exact_e = float(p @ e)
    se = e_rep.std(ddof=1) / np.sqrt(e_rep.size)
    assert abs(e_rep.mean() - exact_e) < 4.5 * se, (e_rep.mean(), exact_e, se)
    # the energy's variance per sample (heat capacity), from the pooled samples
    assert res.energy[1:].var() == pytest.approx(p @ (e - exact_e) ** 2, rel=0.15)
    # the final spins: one spin's mean and the ground-state occupancy (independent replicas)
    sigma0 = m.spins[:, 0].astype(float)
    se0 = np.sqrt((1 - (p @ s[:, 0]) ** 2) / sigma0.size)
    assert abs(sigma0.mean() - p @ s[:, 0]) < 4.5 * se0
    at_ground = np.all(m.spins == s[ground], axis=1).mean()
    se_g = np.sqrt(p[ground] * (1 - p[ground]) / m.replicas)
    assert abs(at_ground - p[ground]) < 4.5 * se_g


@pytest.mark.parametrize("seed", [5, 6])
def test_ring_energy_matches_transfer_matrix(seed):
    """A periodic ring of 64 spins (integer couplings: the tabulated path), against
    ``<H> = -d ln Z / d beta`` with ``Z = (2 cosh b)^N + (2 sinh b)^N``."""
    n, beta = 64, 0.6
    lp, lm = 2 * np.cosh(beta), 2 * np.sinh(beta)
    exact = -n * (lp ** (n - 1) * lm + lm ** (n - 1) * lp) / (lp**n + lm**n)
    m = IsingMachine(ring(n), replicas=64, seed=seed)
    assert m._offset == 2
    m.sample(beta, 50)
    res = m.sample(beta, 400)
    e_rep = res.energy[1:].mean(axis=0)
    se = e_rep.std(ddof=1) / np.sqrt(e_rep.size)
    assert abs(e_rep.mean() - exact) < 4.5 * se, (e_rep.mean(), exact, se)
    # the incremental energy is the recomputed one
    np.testing.assert_allclose(res.energy[-1], m.energies(), atol=1e-9)


@pytest.mark.parametrize("integer", [False, True])
def test_energy_follows_spins_set_between_runs(integer):
    """A run's first energy is the problem energy of the spins it starts from, also when they
    were changed in place after the last run (integer couplings reuse the last run's H only for
    unchanged spins); checked against enumeration's formula ``-½ σᵀJσ - hᵀσ``."""
    j, h = random_instance(12, 31, integer=integer)
    dense = j.toarray()
    m = IsingMachine(j, h, replicas=3, seed=4)

    def exact(spins):
        s = spins.astype(float)
        return -0.5 * np.einsum("ri,ij,rj->r", s, dense, s) - s @ h

    r1 = m.sample(1.0, 4)
    np.testing.assert_allclose(r1.energy[-1], exact(m.spins), rtol=0, atol=1e-9)
    r2 = m.sample(1.0, 2)
    np.testing.assert_allclose(r2.energy[0], exact(r1.spins), rtol=0, atol=1e-9)
    m.spins[1, :5] *= -1
    m.spins[2] = 1
    start = m.spins.copy()
    r3 = m.sample(1.0, 2)
    np.testing.assert_allclose(r3.energy[0], exact(start), rtol=0, atol=1e-9)
    np.testing.assert_allclose(r3.energy[-1], exact(m.spins), rtol=0, atol=1e-9)


def test_equilibrium_test_can_fail():
    """The wrong temperature is detected: the statistic above at beta against beta * 1.3."""
    j, h = random_instance(10, 101)
    _, e, p = boltzmann(j, h, 0.5 * 1.3)
    m = IsingMachine(j, h, replicas=200, seed=1)
    m.sample(0.5, 150)
    e_rep = m.sample(0.5, 300).energy[1:].mean(axis=0)
    se = e_rep.std(ddof=1) / np.sqrt(e_rep.size)
    assert abs(e_rep.mean() - p @ e) > 4.5 * se


# --- the ledger ---------------------------------------------------------------------------------


@pytest.mark.parametrize("integer", [False, True])
def test_first_law_and_heat_identity(integer):
    """``sum W - sum Q = ΔU`` per replica (cell energy ``-σ t``), and the heat of each sweep is
    the gain times the problem energy's drop, ``Q_s = -g_s (H_{s+1} - H_s)`` (every change of H is
    a hop, which releases ``-2 σ g h = -g ΔH``). Integer couplings: the tallies are integer sums
    (``W`` from the tilts read in a call's first sweep and from the field sums later)."""
    j, h = random_instance(25, 7, integer=integer)
    m = IsingMachine(j, h, replicas=4, seed=3)
    assert (m._offset >= 0) == integer
    u0 = m.cell_energy()
    assert np.all(u0 == 0)
    res = m.anneal(LinearBeta(0.1, 3.0), 40, tag="update")
    scale = np.abs(res.heat).sum(axis=0) + np.abs(res.work).sum(axis=0)
    np.testing.assert_allclose(
        res.work.sum(axis=0) - res.heat.sum(axis=0), res.delta_u, rtol=0, atol=1e-12 * scale.max()
    )
    np.testing.assert_allclose(res.delta_u, m.cell_energy() - u0, rtol=1e-12)
    g = res.betas[:, None] * m.kT
    np.testing.assert_allclose(
        res.heat, -g * np.diff(res.energy, axis=0), rtol=1e-9, atol=1e-12 * g.max()
    )
    u1 = m.cell_energy()
    res2 = m.sample(2.0, 5, tag="hold-test")  # from set tilts
    scale2 = np.abs(res2.heat).sum(axis=0) + np.abs(res2.work).sum(axis=0)
    np.testing.assert_allclose(
        res2.work.sum(axis=0) - res2.heat.sum(axis=0), m.cell_energy() - u1, rtol=0,
        atol=1e-12 * scale2.max(),
    )  # fmt: skip
    led = m.ledger
    assert set(led) == {"update", "hold-test"}
    assert led["update"].work == pytest.approx(res.work.sum())
    assert led["hold-test"].heat == pytest.approx(res2.heat.sum())
    assert led["update"].changes == res.flips.sum() and led["update"].steps == 40


# --- annealing ------------------------------------------------------------------------------


@pytest.mark.parametrize("instance", [11, 12, 13])
def test_annealer_finds_brute_forced_ground_states(instance):
    """N = 16 +-1 spin glasses: the fraction of 100 replicas that end in a ground state, with a
    99.9 % Clopper-Pearson interval, is above 0.5 for a linear-beta anneal (measured: 75-100 %),
    and above a quench's (the test can fail: a quench rarely finds it)."""
    j, h = random_instance(16, instance, density=0.6, integer=True)
    _, e = enumerate_states(j, h)
    e_min = e.min()
    m = IsingMachine(j, h, replicas=100, seed=instance)
    res = m.anneal(LinearBeta(0.05, 4.0), 1000)
    hits = int(np.sum(np.abs(res.energy[-1] - e_min) < 1e-9))
    assert np.all(res.energy[-1] >= e_min - 1e-9)
    lo = scipy.stats.binomtest(hits, 100).proportion_ci(0.999).low
    assert lo > 0.5, hits
    quench = IsingMachine(j, h, replicas=100, seed=instance + 1000).sample(20.0, 2)
    q_hits = int(np.sum(np.abs(quench.energy[-1] - e_min) < 1e-9))
    assert scipy.stats.binomtest(q_hits, 100).proportion_ci(0.999).high < hits / 100


def test_logarithmic_schedules():
    n = np.arange(1, 6)
    np.testing.assert_allclose(Logarithmic(2.0, n0=3.0).betas(5), np.log(1 + n / 3.0) / 2.0)
    np.testing.assert_allclose(
        NeuroSA(theta_max=2.0, rate=0.5).betas(5), 2.0 * np.log(1 + 0.5 * n / 2.0)
    )
    # NeuroSA is linear in the sweep index while theta << theta_max
    small = NeuroSA(theta_max=1e6, rate=0.01).betas(5)
    np.testing.assert_allclose(small, 0.01 * n, rtol=1e-7)
    np.testing.assert_allclose(Static(0.7).betas(3), 0.7)
    np.testing.assert_allclose(LinearBeta(0.0, 1.0).betas(3), [0.0, 0.5, 1.0])
    j, h = random_instance(16, 11, density=0.6, integer=True)
    res = IsingMachine(j, h, replicas=8, seed=1).anneal(Logarithmic(0.5), 50)
    assert res.energy.shape == (51, 8) and res.spins.shape == (8, 16)
    assert res.spins.dtype == np.int8 and set(np.unique(res.spins)) <= {-1, 1}


# --- bad input ------------------------------------------------------------------------------


def test_bad_input():
    j, _ = random_instance(6, 1)
    with pytest.raises(ParameterError, match="couplings"):
        IsingMachine(j.toarray())
    with pytest.raises(ParameterError, match="symmetric"):
        IsingMachine(sp.csr_matrix(np.triu(j.toarray())))
    with pytest.raises(ParameterError, match="diagonal"):
        IsingMachine(j + sp.eye(6))
    with pytest.raises(ParameterError, match="fields"):
        IsingMachine(j, np.zeros(5))
    with pytest.raises(ParameterError, match="temperature"):
        IsingMachine(j, temperature=-1.0)
    with pytest.raises(ParameterError, match="replicas"):
        IsingMachine(j, replicas=0)
    with pytest.raises(ParameterError, match="initial"):
        IsingMachine(j, initial=np.zeros(6))
    m = IsingMachine(j, initial=np.ones(6))
    assert np.all(m.spins == 1)
    with pytest.raises(ParameterError, match="beta"):
        m.sample(-1.0, 3)
    with pytest.raises(ParameterError, match="sweeps"):
        m.sample(1.0, 0)
    with pytest.raises(ParameterError, match="barrier"):
        m.sample(1.0, 2, barrier=-1.0)


# --- the engine's own step ----------------------------------------------------------------------


def test_colour_steps_are_memory_array_steps():
    """The strong test: one ``MemoryArray.step`` per colour class, with the active cells tilted
    by their local fields (saddle ``b`` above the upper well) and the held ones keeping their
    tilt under a saddle too high to cross (``P = 0`` to 2**-64), reads the same uniforms (the
    dynamics stream, the same step and cell indices) and gives the kernel's spins bit for bit,
    and the same work and heat."""
    from simcore import rng
    from simcore.array import MemoryArray
    from simcore.kernels.ising import IsingControls, IsingState, IsingTallies
    from simcore.kernels.ising import ising_sweeps_serial as kernel

    j, h = random_instance(40, 21)
    m = IsingMachine(j, h, seed=5, barrier=2e-21)
    n, kT, g, sweeps = m.n, m.kT, 0.9 * m.kT, 3
    arr = MemoryArray(n, seed=5, temperature=300.0, attempt_frequency=m.f0)
    arr.state = ((m.spins[0] + 1) // 2).astype(np.uint8)
    tilt = np.zeros(n)
    wall = 1e-17  # J: ~2400 kT, no hop
    arr.step(np.zeros((n, 2)), np.full((n, 1), wall), 0.0)  # the first landscape: no work
    dense = j.toarray()
    for _ in range(sweeps):
        for c in range(m.n_colours):
            sigma = 2.0 * arr.state - 1.0
            active = m.colours == c
            field = h + dense @ sigma  # (any order: compared by states, exact fields differ
            tilt = np.where(active, g * field, tilt)  # only in round-off)
            e = np.stack([tilt, -tilt], axis=1)
            sad = np.where(active, np.abs(tilt) + m.barrier, wall)[:, None]
            arr.step(e, sad, m.window)
    state = IsingState(spins=m.spins.copy(), tilt=np.zeros((1, n)))
    k = m._graph.chunks.shape[0] - 1
    tallies = IsingTallies(
        energy=np.zeros((sweeps + 1, 1)), work=np.zeros((sweeps, 1)), heat=np.zeros((sweeps, 1)),
        flips=np.zeros((sweeps, 1), dtype=np.int64), part=np.zeros((1, k, 3)),
        part_n=np.zeros((1, k, 3), dtype=np.int64), carry=np.zeros(1, dtype=np.int64),
        hashes=np.zeros((numba.config.NUMBA_NUM_THREADS, 256), dtype=np.uint64),
    )  # fmt: skip
    key, gamma = rng.stream(5, draws.DYNAMICS[0])
    controls = IsingControls(
        gains=np.full(sweeps, g), barriers=np.full(sweeps, m.barrier),
        tables=np.empty((sweeps, 0, 2), dtype=np.uint64), offset=0, kT=kT, f0=m.f0, tau=m.window,
    )  # fmt: skip
    kernel(graph=m._graph, state=state, controls=controls, key=key, gamma=gamma, step0=1,
           tallies=tallies, by_replica=True)  # fmt: skip
    np.testing.assert_array_equal(state.spins[0], 2 * arr.state.astype(np.int8) - 1)
    assert tallies.flips.sum() > 0
    led = arr._core.ledger.by_tag()["update"]
    np.testing.assert_allclose(led.work.mean * n, tallies.work.sum(), rtol=1e-9)
    np.testing.assert_allclose(led.heat.mean * n, tallies.heat.sum(), rtol=1e-9)
