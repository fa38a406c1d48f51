"""Exact references for the annealer: the Boltzmann mean and spread of the problem energy at a
constant β, from the full spectrum (``problems.spectrum``; no code of the machine involved)."""

from __future__ import annotations

import numpy as np
from scipy.special import logsumexp

from experiments.lim_annealer.problems import spectrum


def equilibrium_energy(couplings, beta: float) -> tuple[float, float]:
    """Mean and standard deviation of ``H`` (problem units) under ``π ∝ e^{-β H}``.

    Parameters
    ----------
    couplings : scipy.sparse matrix (N, N)
        Symmetric couplings, N <= 20 (enumerated; the global flip leaves H unchanged, so half
        of the states suffice).
    beta : float
        Inverse temperature (1/problem unit), >= 0.

    Returns
    -------
    (float, float)
        ``<H>`` and ``sqrt(<H²> - <H>²)``.

    Raises
    ------
    ParameterError
        For N outside [2, 20] (``problems.spectrum``).
    """
    e = spectrum(couplings)
    logw = -beta * e
    p = np.exp(logw - logsumexp(logw))
    mean = float(p @ e)
    return mean, float(np.sqrt(max(p @ (e - mean) ** 2, 0.0)))
