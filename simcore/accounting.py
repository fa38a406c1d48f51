"""Work and heat of a block of steps from level occupancies (shared landscapes).

Kept in explicit loops (no BLAS, no reassociation) so the float sums come out the same on every
machine for the same integer counts.
"""

from __future__ import annotations

import numpy as np

from simcore._jit import jit


@jit
def block_energy(before0, after, energies, tag_codes, work, heat):
    """Add the work and heat of a block to ``work``/``heat`` (G, T).

    ``before0`` (G, M): occupancy of each group before the block; ``after`` (G, B, M): after each
    step (so step ``k`` starts from ``after[:, k-1]``, step 0 from ``before0``); ``energies``
    (B+1, M): landscape at the start and after each step; ``tag_codes`` (B,).
    Work step: ``W += E_x(λ_{k+1}) - E_x(λ_k)``; heat step: ``Q += E_x(λ_{k+1}) - E_x'(λ_{k+1})``.
    """
    n_groups, n_steps, m = after.shape
    for g in range(n_groups):
        for k in range(n_steps):
            w = 0.0
            q = 0.0
            for i in range(m):
                nb = before0[g, i] if k == 0 else after[g, k - 1, i]
                if nb != 0:
                    w += nb * (energies[k + 1, i] - energies[k, i])
                dn = nb - after[g, k, i]
                if dn != 0:
                    q += dn * energies[k + 1, i]
            work[g, tag_codes[k]] += w
            heat[g, tag_codes[k]] += q


def expected_energy(p_before, p_after, energies):
    """Per-step mean work and heat (J per cell) from occupancies (S, M) and energies (S+1, M)."""
    work = np.sum(p_before * (energies[1:] - energies[:-1]), axis=1)
    heat = np.sum((p_before - p_after) * energies[1:], axis=1)
    return work, heat
