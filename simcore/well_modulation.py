"""What the two-state model leaves out when a quartic double well's barrier moves: the entropic
free energy of a well whose width changes, and an attempt frequency that follows the curvature.

The well is that of ``devices.DoubleWell`` and ``simcore.langevin.quartic_coefficients``,
``U(x) = E_B [(x/x0)^2 - 1]^2`` at a fixed half-width ``x0`` and friction ``ζ``: changing the
barrier ``E_B`` scales the whole potential, so the wells narrow as it rises (curvature
``U''(±x0) = 8 E_B/x0^2``) and the Kramers prefactor ``sqrt(U''(x0)|U''(0)|)/(2π ζ) =
sqrt(32) E_B/(2π ζ x0^2)`` grows in proportion to ``E_B`` (H. A. Kramers, Physica 7, 284 (1940),
doi:10.1016/S0031-8914(40)90098-2; P. Hänggi, P. Talkner and M. Borkovec, Rev. Mod. Phys. 62,
251 (1990), doi:10.1103/RevModPhys.62.251, eq. 4.5b). The two-state model books a barrier change
as free and keeps f0 fixed; ``simcore.lim`` takes these terms as options.

- :func:`quasi_static_free_energy_change`: ``ΔF = F(E_b) - F(E_a)``, ``F(E) = -kT ln ∫ e^{-U/kT}
  dx``, the least work of a barrier change (second law; reached by a quasi-static change), by
  quadrature (``method="quadrature"``, exact) or for harmonic wells, ``(kT/2) ln(E_b/E_a)``
  (``method="harmonic"``, the large-barrier limit). 10 -> 82 kT: 1.071 kT (harmonic 1.052 kT),
  as ``simcore.fokker_planck.free_energy`` gives.
- :func:`sudden_change_work`: the work of changing the barrier instantly from ``E_a`` to
  ``E_b`` with the particle in equilibrium at ``E_a``: ``(E_b - E_a) ⟨s⟩_a``,
  ``s = ((x/x0)^2 - 1)^2``; the other extreme of speed (Jensen: it is >= ΔF).
- :func:`kramers_attempt_frequency`: ``f0 E_B / E_ref`` for an f0 quoted at ``E_ref``.

Units: energies in J, frequencies in Hz; ``x0`` drops out of every difference.
"""

from __future__ import annotations

import math

import numpy as np
import scipy.integrate

from simcore.constants import kT as thermal_energy
from simcore.errors import ParameterError, one_of, positive

__all__ = [
    "kramers_attempt_frequency",
    "mean_shape",
    "quasi_static_free_energy_change",
    "sudden_change_work",
    "well_free_energy",
]

METHODS = ("quadrature", "harmonic")
#: Largest barrier (in kT) the quadrature is trusted at (the wells are then 10^-3 x0 wide).
_MAX_BARRIER_KT = 1e6


def _barrier(name, value, k_t) -> float:
    e = positive(name, value)
    if e / k_t > _MAX_BARRIER_KT:
        raise ParameterError(name, value, f"a barrier in (0, {_MAX_BARRIER_KT:g} kT]")
    return e


def _weights(beta_e: float):
    """``(x_max, w)``: the integration range (x in units of x0, x >= 0) beyond which
    ``β E s(x) > 80`` and the Boltzmann weight ``w(x) = e^{-β E s(x)}``."""
    x_max = math.sqrt(1.0 + math.sqrt(80.0 / beta_e))

    def w(x):
        return math.exp(-beta_e * ((x * x - 1.0) ** 2))

    return x_max, w


def _integral(beta_e: float, f) -> float:
    """``∫_0^∞ f(x) dx`` over the double well's right half, split at the well x = 1."""
    x_max, _ = _weights(beta_e)
    a = scipy.integrate.quad(f, 0.0, 1.0, epsabs=0.0, epsrel=1e-13, limit=200)[0]
    b = scipy.integrate.quad(f, 1.0, x_max, epsabs=0.0, epsrel=1e-13, limit=200)[0]
    return a + b


def well_free_energy(barrier, temperature) -> float:
    """``F(E_B) = -kT ln ∫ e^{-E_B s(x)/kT} d(x/x0)`` (J) of the untilted quartic double well
    (both wells; ``x0`` adds a constant that cancels in every difference).

    Parameters
    ----------
    barrier : float
        Barrier ``E_B`` (J), > 0 and at most 10^6 kT.
    temperature : float
        T (K).

    Returns
    -------
    float
        F (J) up to the constant ``-kT ln x0``.

    Raises
    ------
    ParameterError
        For a barrier or temperature out of range.
    """
    k_t = thermal_energy(temperature)
    beta_e = _barrier("barrier", barrier, k_t) / k_t
    _, w = _weights(beta_e)
    return -k_t * math.log(2.0 * _integral(beta_e, w))


def mean_shape(barrier, temperature) -> float:
    """``⟨s⟩ = ⟨((x/x0)^2 - 1)^2⟩`` in equilibrium at barrier ``E_B`` (J): ``⟨U⟩ / E_B``
    (→ ``kT/(2 E_B)`` for harmonic wells). Parameters and errors as :func:`well_free_energy`."""
    k_t = thermal_energy(temperature)
    beta_e = _barrier("barrier", barrier, k_t) / k_t
    _, w = _weights(beta_e)
    z = _integral(beta_e, w)
    return _integral(beta_e, lambda x: ((x * x - 1.0) ** 2) * w(x)) / z


def quasi_static_free_energy_change(barrier_start, barrier_end, temperature,
                                    method="quadrature") -> float:
    """Free-energy change (J) of the quartic double well when its barrier goes from
    ``barrier_start`` to ``barrier_end`` at fixed ``x0``: the least mean work of that change,
    reached quasi-statically (>= 0 for a raise: the wells narrow).

    Parameters
    ----------
    barrier_start, barrier_end : float
        Barriers ``E_a``, ``E_b`` (J), > 0.
    temperature : float
        T (K).
    method : {"quadrature", "harmonic"}
        Exact quadrature of the partition function, or the harmonic-well limit
        ``(kT/2) ln(E_b/E_a)`` (error O(kT²/E) at barriers of a few kT).

    Returns
    -------
    float
        ``ΔF`` (J).

    Raises
    ------
    ParameterError
        For a barrier, temperature or method out of range.
    """
    one_of("method", method, METHODS)
    k_t = thermal_energy(temperature)
    e_a = _barrier("barrier_start", barrier_start, k_t)
    e_b = _barrier("barrier_end", barrier_end, k_t)
    if method == "harmonic":
        return 0.5 * k_t * math.log(e_b / e_a)
    return well_free_energy(e_b, temperature) - well_free_energy(e_a, temperature)


def sudden_change_work(barrier_start, barrier_end, temperature) -> float:
    """Mean work (J) of an instantaneous barrier change from ``barrier_start`` to
    ``barrier_end`` with the particle in equilibrium at ``barrier_start``:
    ``(E_b - E_a) ⟨s⟩_a``. By Jensen's inequality it is at least the quasi-static ΔF; an
    instant cycle ``E_a -> E_b -> E_a`` (equilibrating in between) dissipates
    ``(E_b - E_a)(⟨s⟩_a - ⟨s⟩_b)``. Parameters and errors as
    :func:`quasi_static_free_energy_change` (without ``method``)."""
    k_t = thermal_energy(temperature)
    e_a = _barrier("barrier_start", barrier_start, k_t)
    e_b = _barrier("barrier_end", barrier_end, k_t)
    return (e_b - e_a) * mean_shape(e_a, temperature)


def kramers_attempt_frequency(barrier, reference_barrier, attempt_frequency):
    """Attempt frequency (Hz) at ``barrier`` of a quartic well whose f0 is ``attempt_frequency``
    at ``reference_barrier``: ``f0 E_B / E_ref`` (the Kramers prefactor ∝ the curvatures ∝ E_B at
    fixed x0 and ζ; exact for the untilted well, ``devices.DoubleWell.attempt_frequency``).

    Parameters
    ----------
    barrier : float or array_like
        ``E_B`` (J), >= 0.
    reference_barrier : float
        ``E_ref`` (J), > 0.
    attempt_frequency : float
        f0 at ``E_ref`` (Hz), > 0.

    Returns
    -------
    float or ndarray
        f0(E_B) (Hz), shaped like ``barrier``.

    Raises
    ------
    ParameterError
        For a negative barrier or a non-positive reference or frequency.
    """
    e_ref = positive("reference_barrier", reference_barrier)
    f0 = positive("attempt_frequency", attempt_frequency)
    e = np.asarray(barrier, dtype=np.float64)
    if not np.all(np.isfinite(e) & (e >= 0)):
        raise ParameterError("barrier", barrier, "finite barriers >= 0 (J)")
    out = f0 * e / e_ref
    return float(out) if out.ndim == 0 else out
