"""Peers on the same instances: THRML's block Gibbs sampler (Extropic, pip ``thrml``, JAX) beside
the in-memory Ising machine (``simcore.lim.IsingMachine``). Not part of the default tests; the
optional extra ``peers`` installs THRML (``pip install -e .[peers]``). Without it the script
says so and exits 0.

1. **Equilibrium**: the same periodic ±J lattice and β, the same two colour blocks; the mean
   energy per spin of THRML's chains and ours, each with its standard error over independent
   chains, and their difference in standard errors (|z| < 4 expected).
2. **Speed**: spin updates per second of THRML (1 and 8 chains, JIT compiled first, best of
   three) and of the machine (1 and 8 replicas), CPU time of this process (the machine is
   shared: wall time is noisy).
3. **NeuroSA**: residual energy per spin on a planted frustrated-loop instance
   (``experiments.lim_annealer.planted``, exact ground state) after a NeuroSA anneal
   (arXiv:2406.05224) run by the machine and by THRML with the same β schedule applied in
   piecewise-constant stages, beside the machine's linear-β and logarithmic anneals.

Run ``python benchmarks/peers.py [--quick]`` from the project root.
"""

from __future__ import annotations

import math
import pathlib
import sys
import time

import numpy as np

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))

from benchmarks.ising import lattice
from simcore import lim

MISSING = ("THRML is not installed: the peer benchmarks need the optional extra 'peers' "
           "(pip install -e .[peers], which installs thrml and jax); skipped.")


def have_thrml() -> bool:
    """Whether ``thrml`` and ``jax`` import."""
    try:
        import jax  # noqa: F401
        import thrml  # noqa: F401
    except ImportError:
        return False
    return True


class Thrml:
    """THRML's Ising EBM and two-block Gibbs program for ``H = -½ σᵀJσ`` at ``beta``.

    THRML's energy is ``-β Σ_(i<j) w_ij s_i s_j`` over listed edges: ``w`` is the upper triangle
    of ``J``; its free blocks are the machine's colour classes (the same Gibbs sweep)."""

    def __init__(self, couplings, colours, beta):
        import jax.numpy as jnp
        import thrml
        from thrml.models import IsingEBM, IsingSamplingProgram

        upper = __import__("scipy.sparse", fromlist=["triu"]).triu(couplings, 1).tocoo()
        self.n = couplings.shape[0]
        self.nodes = [thrml.SpinNode() for _ in range(self.n)]
        edges = [(self.nodes[a], self.nodes[b]) for a, b in zip(upper.row, upper.col,
                                                                strict=True)]
        self.model = IsingEBM(self.nodes, edges, jnp.zeros(self.n), jnp.asarray(upper.data),
                              jnp.asarray(beta))
        self.blocks = [thrml.Block([self.nodes[i] for i in np.flatnonzero(colours == c)])
                       for c in range(int(colours.max()) + 1)]
        self.program = IsingSamplingProgram(self.model, self.blocks, clamped_blocks=[])
        self.order = np.concatenate([np.flatnonzero(colours == c)
                                     for c in range(len(self.blocks))])

    def sample(self, seed, chains, warmup, samples, every, init=None):
        """Spins (chains, samples, N) ±1 in the original order, and the final block states."""
        import jax
        import thrml
        from thrml.models import hinton_init

        key = jax.random.key(seed)
        k_init, k_run = jax.random.split(key)
        if init is None:
            init = hinton_init(k_init, self.model, self.blocks, (chains,))
        sched = thrml.SamplingSchedule(n_warmup=warmup, n_samples=samples,
                                       steps_per_sample=every)
        keys = jax.random.split(k_run, chains)
        full = [thrml.Block(self.nodes)]

        def one(k, state):
            return thrml.sample_states(k, self.program, sched, state, [], full)[0]

        out = jax.vmap(one)(keys, init)
        s = 2 * np.asarray(out).astype(np.int8) - 1
        last = [jax.numpy.asarray(s[:, -1, np.flatnonzero(np.isin(np.arange(self.n), b_idx))]
                                  > 0) for b_idx in self._block_indices()]
        return s, last

    def _block_indices(self):
        node_at = {node: i for i, node in enumerate(self.nodes)}
        return [np.array([node_at[x] for x in b.nodes]) for b in self.blocks]


def energies(couplings, spins):
    """``H`` of spins (..., N), problem units."""
    s = spins.reshape(-1, spins.shape[-1]).astype(np.float64)
    e = -0.5 * np.einsum("ri,ri->r", s, (couplings @ s.T).T)
    return e.reshape(spins.shape[:-1])


def equilibrium(side=16, beta=0.44, chains=64, warmup=200, samples=200, every=2):
    """Mean energy per spin (and its standard error over chains) of THRML and the machine."""
    j = lattice(side, seed=3)
    m = lim.IsingMachine(j, replicas=chains, seed=21)
    m.sample(beta, warmup)
    res = m.sample(beta, samples * every)
    ours = res.energy[every::every].mean(axis=0) / j.shape[0]
    t = Thrml(j, m.colours, beta)
    s, _ = t.sample(5, chains, warmup, samples, every)
    theirs = energies(j, s).mean(axis=1) / j.shape[0]
    out = {}
    for name, x in (("machine", ours), ("thrml", theirs)):
        out[name] = (float(x.mean()), float(x.std(ddof=1) / math.sqrt(x.size)))
    z = (out["machine"][0] - out["thrml"][0]) / math.hypot(out["machine"][1], out["thrml"][1])
    return out, z


def _cpu(fn, tries=3):
    best = math.inf
    for _ in range(tries):
        t = time.process_time()
        fn()
        best = min(best, time.process_time() - t)
    return best


def speed(side=256, beta=0.44, sweeps=20):
    """Spin updates per second (CPU time) of THRML and the machine, 1 and 8 chains."""
    j = lattice(side)
    n = j.shape[0]
    rows = []
    for chains in (1, 8):
        m = lim.IsingMachine(j, replicas=chains, seed=1)
        m.sample(beta, 1)
        ours = sweeps * chains * n / _cpu(lambda m=m: m.sample(beta, sweeps))
        t = Thrml(j, m.colours, beta)
        t.sample(0, chains, sweeps, 1, 1)  # compile
        theirs = sweeps * chains * n / _cpu(lambda t=t, c=chains: t.sample(1, c, sweeps, 1, 1))
        rows.append((chains, ours, theirs))
    return rows


def neurosa(side=32, sweeps=400, restarts=16, stages=20):
    """Residual energy per spin (mean, standard error over restarts) after anneals of a
    planted instance: the machine (NeuroSA, linear β, logarithmic) and THRML (NeuroSA in
    ``stages`` constant-β stages, each at the schedule's mean β over the stage)."""
    from experiments.lim_annealer import planted

    p = planted(side, np.random.default_rng(99))
    n = p.n
    knee = 0.1 * sweeps
    beta_max = 3.0
    theta = beta_max / math.log1p(sweeps / knee)
    schedules = {
        "machine NeuroSA": lim.NeuroSA(theta, theta / knee),
        "machine linear": lim.LinearBeta(0.1, beta_max),
        "machine logarithmic": lim.Logarithmic(math.log1p(sweeps) / beta_max),
    }
    out = {}
    for name, sch in schedules.items():
        m = lim.IsingMachine(p.couplings, replicas=restarts, seed=7)
        e = m.anneal(sch, sweeps).energy[-1]
        r = (e - p.ground_energy) / n
        out[name] = (float(r.mean()), float(r.std(ddof=1) / math.sqrt(r.size)))
    betas = schedules["machine NeuroSA"].betas(sweeps)
    colours = lim.IsingMachine(p.couplings, seed=0).colours
    state = None
    per = sweeps // stages
    spins = None
    for k in range(stages):
        t = Thrml(p.couplings, colours, float(betas[k * per:(k + 1) * per].mean()))
        spins, state = t.sample(100 + k, restarts, per, 1, 1, init=state)
    r = (energies(p.couplings, spins[:, -1]) - p.ground_energy) / n
    out["THRML NeuroSA (staged)"] = (float(r.mean()), float(r.std(ddof=1) / math.sqrt(r.size)))
    return out


def main(quick: bool = False) -> int:
    if not have_thrml():
        print(MISSING)
        return 0
    import jax
    import thrml

    from benchmarks.suite import cpu

    print(f"CPU: {cpu()['model']}; thrml {getattr(thrml, '__version__', '?')}, jax"
          f" {jax.__version__} ({jax.default_backend()}); CPU time of this process")
    eq, z = equilibrium(**({"chains": 32, "samples": 100} if quick else {}))
    print("equilibrium, 16x16 ±J lattice, β = 0.44: energy per spin (± se over chains)")
    for name, (mu, se) in eq.items():
        print(f"  {name:8} {mu:.5f} ± {se:.5f}")
    print(f"  difference {z:+.2f} standard errors ({'agree' if abs(z) < 4 else 'DISAGREE'})")
    print("speed, 256x256 ±J lattice: spin updates per second (CPU time)")
    print(f"  {'chains':>6} {'machine':>10} {'thrml':>10} {'ratio':>7}")
    for chains, ours, theirs in speed(sweeps=5 if quick else 20):
        print(f"  {chains:>6} {ours:>10.3g} {theirs:>10.3g} {ours / theirs:>7.1f}")
    side, sweeps = (16, 100) if quick else (32, 400)
    print(f"residual energy per spin, planted {side}x{side}, {sweeps} sweeps (± se)")
    for name, (mu, se) in neurosa(side, sweeps).items():
        print(f"  {name:24} {mu:.4f} ± {se:.4f}")
    return 0


if __name__ == "__main__":
    sys.exit(main(quick="--quick" in sys.argv))
