"""Fit a device to its measured data, and write it as a device TOML file.

Two kinds of measurement, each fitted with its parameter covariance:

* **Retention time versus temperature** (Arrhenius): ``ln τ = E_B/(k_B T) - ln f0`` is linear in
  ``(E_B, ln f0)``, fitted by weighted least squares on ``ln τ`` (:func:`fit_arrhenius`). With
  standard errors of ``ln τ`` the covariance is ``(XᵀWX)⁻¹`` (normal intervals, and a χ²
  goodness of fit); without them the fit is unweighted and the covariance is scaled by the
  residual variance (Student t intervals, ``n - 2`` degrees of freedom). A censored row (no
  failure seen in the window: ``τ`` is only a lower bound) carries no ``ln τ`` and is left out
  of the fit; the result lists it with the fit's margin above the bound. Retention times from an
  array test (``flipped`` of ``cells`` bits read after ``duration``) come from
  :func:`retention_from_counts`, with the delta-method standard error of ``ln τ`` and a
  one-sided Clopper–Pearson bound where no bit flipped. ``τ`` is the mean dwell time of one
  state (the :class:`devices.MTJ` convention, ``P_flip = (1 - exp(-2t/τ))/2`` for a symmetric
  bit).

* **Switching probability versus pulse width and current** (MTJ thermal activation):
  ``P = 1 - exp(-t/τ(I))``, ``τ(I) = τ0 exp(Δ (1 - I/I_c0)^b)``, fitted by maximum likelihood on
  binomial counts (:func:`fit_switching`: Fisher scoring on the exact negative log-likelihood
  from a grid start); the covariance is the inverse Fisher information of
  ``(Δ, I_c0, ln τ0)`` at the optimum (Wald intervals). Back-switching is neglected, valid while
  ``exp(-4Δ I/I_c0) ≪ 1`` (:attr:`SwitchingFit.back_switching` reports the largest such factor);
  currents must stay below ``I_c0`` (the thermal regime of :class:`devices.MTJ`).

:func:`to_toml` writes any device of :data:`devices.presets.MODELS` (or a
:class:`devices.MultiLevel` of one) as TOML that :func:`devices.load_device` reads back, so the
fitted device runs in every experiment that takes a ``device`` file. :func:`read_columns` reads a
CSV file with a header row into named columns.

Sources: S. Arrhenius, Z. Phys. Chem. 4, 226 (1889); W. F. Brown, Phys. Rev. 130, 1677 (1963),
doi:10.1103/PhysRev.130.1677; R. H. Koch, J. A. Katine and J. Z. Sun, Phys. Rev. Lett. 92,
088302 (2004), doi:10.1103/PhysRevLett.92.088302 (τ(I) of thermally activated spin-torque
switching); C. J. Clopper and E. S. Pearson, Biometrika 26, 404 (1934),
doi:10.1093/biomet/26.4.404.
"""

from __future__ import annotations

import csv
import dataclasses
import json
import math
from collections.abc import Mapping
from pathlib import Path

import numpy as np
from scipy import stats

from devices.mtj import MTJ
from devices.multilevel import MultiLevel
from devices.parameters import as_dict, require_in, require_positive
from devices.presets import MODELS
from simcore.constants import K_B
from simcore.errors import ParameterError

__all__ = [
    "ArrheniusFit",
    "SwitchingFit",
    "counts_from_probability",
    "fit_arrhenius",
    "fit_switching",
    "read_columns",
    "retention_from_counts",
    "to_toml",
]


# ---------------------------------------------------------------------- input checks
def _column(name: str, values, *, n: int | None = None, unit: str = "") -> np.ndarray:
    a = np.asarray(values, dtype=np.float64)
    if a.ndim != 1 or a.size == 0:
        raise ParameterError(name, values, f"a non-empty 1-d column ({unit})".rstrip(" ()"))
    if n is not None and a.size != n:
        raise ParameterError(name, values, f"a column of {n} values, as the others")
    if not np.all(np.isfinite(a)):
        raise ParameterError(name, values, f"finite values ({unit})")
    return a


def _positive_column(name: str, values, unit: str, n: int | None = None) -> np.ndarray:
    a = _column(name, values, n=n, unit=unit)
    if np.any(a <= 0):
        raise ParameterError(name, values, f"values > 0 ({unit})")
    return a


def _count_columns(successes_name, successes, trials_name, trials, n):
    k = _column(successes_name, successes, n=n)
    m = _column(trials_name, trials, n=n)
    if np.any(m < 1) or np.any(m != np.round(m)):
        raise ParameterError(trials_name, trials, "integer counts >= 1")
    if np.any(k < 0) or np.any(k > m) or np.any(k != np.round(k)):
        raise ParameterError(successes_name, successes, f"integer counts in [0, {trials_name}]")
    return k, m


def _mask(name: str, values, n: int) -> np.ndarray:
    if values is None:
        return np.zeros(n, dtype=bool)
    a = np.asarray(values)
    if a.shape != (n,) or not np.all(np.isin(a, (0, 1))):
        raise ParameterError(name, values, f"{n} booleans (1 = censored)")
    return a.astype(bool)


def _interval(value: float, se: float, level: float, dof: int | None) -> tuple[float, float]:
    level = require_in("level", level, 0.0, 1.0, "", low_open=True, high_open=True)
    q = 0.5 + 0.5 * level
    z = float(stats.norm.ppf(q) if dof is None else stats.t.ppf(q, dof))
    return value - z * se, value + z * se


# ---------------------------------------------------------------------- retention (Arrhenius)
def retention_from_counts(flipped, cells, duration, *, level: float = 0.95):
    """Retention times from array reads: ``flipped`` of ``cells`` bits (written alike) read
    after ``duration`` s, for a symmetric bit (``P = (1 - exp(-2t/τ))/2``).

    Parameters
    ----------
    flipped : array_like of int, shape (n,)
        Bits found flipped, ``0 <= flipped < cells/2`` (a read at or past half flipped is
        saturated and says nothing about ``τ``).
    cells : array_like of int, shape (n,)
        Bits read, >= 1.
    duration : array_like, shape (n,)
        Hold time before the read (s), > 0.
    level : float
        One-sided confidence level of the lower bound where nothing flipped.

    Returns
    -------
    retention_time : ndarray (n,)
        ``τ = -2t/ln(1 - 2p)`` (s) with ``p = flipped/cells``; where nothing flipped, the
        Clopper–Pearson lower bound ``-2t/ln(1 - 2p_u)``, ``p_u = 1 - (1 - level)^(1/cells)``.
    sigma_log : ndarray (n,)
        Delta-method standard error of ``ln τ``: ``2 sqrt(p(1-p)/cells)/((1-2p) L)``,
        ``L = -ln(1 - 2p)``; ``nan`` where censored.
    censored : ndarray (n,) of bool
        True where nothing flipped (``retention_time`` is a lower bound).

    Raises
    ------
    ParameterError
        ``flipped``, ``cells`` or ``duration`` out of range (naming which).
    """
    t = _positive_column("duration", duration, "s")
    k, m = _count_columns("flipped", flipped, "cells", cells, t.size)
    if np.any(2 * k >= m):
        raise ParameterError("flipped", flipped, "fewer than half of cells (unsaturated reads)")
    level = require_in("level", level, 0.0, 1.0, "", low_open=True, high_open=True)
    censored = k == 0
    p = np.where(censored, -np.expm1(np.log1p(-level) / m), k / m)
    p = np.minimum(p, 0.5 * (1.0 - 1e-12))
    big_l = -np.log1p(-2.0 * p)
    tau = 2.0 * t / big_l
    with np.errstate(invalid="ignore", divide="ignore"):
        sigma = 2.0 * np.sqrt(p * (1.0 - p) / m) / ((1.0 - 2.0 * p) * big_l)
    sigma = np.where(censored, np.nan, sigma)
    return tau, sigma, censored


@dataclasses.dataclass(frozen=True)
class ArrheniusFit:
    """Barrier and attempt frequency fitted to retention times versus temperature.

    Attributes
    ----------
    barrier : float
        E_B (J).
    attempt_frequency : float
        f0 (Hz).
    covariance : ndarray (2, 2)
        Covariance of ``(E_B [J], ln f0)``.
    dof : int
        Residual degrees of freedom ``n - 2`` (uncensored rows).
    chi2 : float
        Weighted residual sum of squares (χ² with ``dof`` degrees of freedom when
        ``weighted``).
    weighted : bool
        Whether standard errors of ``ln τ`` were given (normal intervals) or the covariance was
        scaled by the residuals (Student t intervals).
    censored : tuple of int
        Rows left out as lower bounds.
    censored_margin : tuple of float
        ``ln τ_fit - ln τ_bound`` at each censored row (>= 0 when the fit respects the bound).
    """

    barrier: float
    attempt_frequency: float
    covariance: np.ndarray
    dof: int
    chi2: float
    weighted: bool
    censored: tuple[int, ...] = ()
    censored_margin: tuple[float, ...] = ()

    @property
    def barrier_se(self) -> float:
        """Standard error of E_B (J)."""
        return math.sqrt(self.covariance[0, 0])

    @property
    def log_frequency_se(self) -> float:
        """Standard error of ln f0."""
        return math.sqrt(self.covariance[1, 1])

    def interval(self, name: str, level: float = 0.95) -> tuple[float, float]:
        """Two-sided ``level`` confidence interval of ``"barrier"`` (J) or
        ``"log_attempt_frequency"`` (ln Hz)."""
        dof = None if self.weighted else self.dof
        if name == "barrier":
            return _interval(self.barrier, self.barrier_se, level, dof)
        if name == "log_attempt_frequency":
            return _interval(math.log(self.attempt_frequency), self.log_frequency_se, level, dof)
        raise ParameterError("name", name, "'barrier' or 'log_attempt_frequency'")

    def retention_time(self, temperature):
        """Fitted mean retention time ``exp(E_B/kT)/f0`` (s) at ``temperature`` (K)."""
        t = _positive_column("temperature", np.atleast_1d(temperature), "K")
        return np.exp(self.barrier / (K_B * t)) / self.attempt_frequency

    def device(self, reference_temperature: float = 300.0, **fields) -> MTJ:
        """The fitted bit as an :class:`devices.MTJ` (``Δ = E_B/(k_B T_ref)``,
        ``τ0 = 1/f0``); ``fields`` set the parameters retention does not measure
        (``critical_current``, ``exponent``: else the MTJ defaults)."""
        t_ref = require_positive("reference_temperature", reference_temperature, "K")
        return MTJ(
            thermal_stability=self.barrier / (K_B * t_ref),
            reference_temperature=t_ref,
            attempt_time=1.0 / self.attempt_frequency,
            **fields,
        )


def fit_arrhenius(temperature, retention_time, *, sigma_log=None, censored=None) -> ArrheniusFit:
    """Fit ``ln τ = E_B/(k_B T) - ln f0`` to retention times by weighted least squares.

    Parameters
    ----------
    temperature : array_like, shape (n,)
        Temperatures (K), > 0.
    retention_time : array_like, shape (n,)
        Mean retention times τ (s), > 0 (lower bounds on censored rows).
    sigma_log : array_like, shape (n,), optional
        Standard errors of ``ln τ`` (> 0 on uncensored rows; ignored where censored). Without
        them the fit is unweighted and its covariance scaled by the residual variance.
    censored : array_like of bool, shape (n,), optional
        Rows whose τ is only a lower bound (no failure within the window): left out of the fit
        and reported with their margin.

    Returns
    -------
    ArrheniusFit

    Raises
    ------
    ParameterError
        Bad columns (non-positive temperatures or times, wrong lengths), fewer than 3
        uncensored rows, or fewer than 2 distinct temperatures among them.
    """
    temp = _positive_column("temperature", temperature, "K")
    n = temp.size
    tau = _positive_column("retention_time", retention_time, "s", n)
    cens = _mask("censored", censored, n)
    use = ~cens
    if use.sum() < 3:
        raise ParameterError(
            "retention_time", retention_time, "at least 3 uncensored rows (E_B, f0 and a residual)"
        )
    if np.unique(temp[use]).size < 2:
        raise ParameterError("temperature", temperature, "at least 2 distinct temperatures")
    weighted = sigma_log is not None
    if weighted:
        sig = np.asarray(sigma_log, dtype=np.float64)
        if sig.shape != (n,):
            raise ParameterError("sigma_log", sigma_log, f"a column of {n} values, as the others")
        sig = _column("sigma_log", np.where(cens, 1.0, sig), n=n)
        if np.any(sig[use] <= 0):
            raise ParameterError("sigma_log", sigma_log, "standard errors > 0 of ln τ")
    else:
        sig = np.ones(n)
    x = np.column_stack([1.0 / (K_B * temp[use]), -np.ones(use.sum())])
    y = np.log(tau[use])
    w = 1.0 / sig[use]
    # scale the barrier column to O(1) for a well-conditioned solve
    scale = np.array([1.0 / np.abs(x[:, 0]).max(), 1.0])
    xs = x * scale
    beta_s, *_ = np.linalg.lstsq(xs * w[:, None], y * w, rcond=None)
    resid = (y - xs @ beta_s) * w
    dof = int(use.sum() - 2)
    chi2 = float(resid @ resid)
    cov_s = np.linalg.inv((xs * w[:, None]).T @ (xs * w[:, None]))
    if not weighted:
        cov_s = cov_s * chi2 / dof
    beta = beta_s * scale
    cov = cov_s * np.outer(scale, scale)
    fit = ArrheniusFit(
        barrier=float(beta[0]),
        attempt_frequency=float(math.exp(beta[1])),
        covariance=cov,
        dof=dof,
        chi2=chi2,
        weighted=weighted,
    )
    rows = tuple(int(i) for i in np.flatnonzero(cens))
    if rows:
        margin = np.log(fit.retention_time(temp[cens])) - np.log(tau[cens])
        fit = dataclasses.replace(
            fit, censored=rows, censored_margin=tuple(float(m) for m in margin)
        )
    return fit


# ---------------------------------------------------------------------- switching (MTJ)
def counts_from_probability(probability, trials) -> np.ndarray:
    """Switched counts from measured switching probabilities of ``trials`` repetitions each:
    ``round(P · trials)``, for :func:`fit_switching`.

    Parameters
    ----------
    probability : array_like, shape (n,)
        Measured fractions, in [0, 1].
    trials : array_like of int, shape (n,)
        Repetitions behind each fraction, >= 1.

    Returns
    -------
    ndarray of float (n,)
        Counts in ``[0, trials]``.

    Raises
    ------
    ParameterError
        ``probability`` outside [0, 1] or ``trials`` not integer counts >= 1.
    """
    p = _column("probability", probability)
    if np.any(p < 0) or np.any(p > 1):
        raise ParameterError("probability", probability, "fractions in [0, 1]")
    m = _column("trials", trials, n=p.size)
    if np.any(m < 1) or np.any(m != np.round(m)):
        raise ParameterError("trials", trials, "integer counts >= 1")
    return np.round(p * m)


_SWITCHING_NAMES = ("thermal_stability", "critical_current", "log_attempt_time")


@dataclasses.dataclass(frozen=True)
class SwitchingFit:
    """MTJ thermal-activation parameters fitted to switching counts.

    Attributes
    ----------
    thermal_stability : float
        Δ (1) at the measurement temperature.
    critical_current : float
        I_c0 (A).
    attempt_time : float
        τ0 (s).
    exponent : float
        b (fixed, not fitted).
    temperature : float
        Measurement temperature (K).
    covariance : ndarray (k, k)
        Inverse Fisher information of ``(Δ, I_c0 [A], ln τ0)`` (k = 3) or ``(Δ, I_c0)`` when
        τ0 was fixed (k = 2).
    log_likelihood : float
        Binomial log-likelihood at the optimum (without the binomial coefficients).
    deviance : float
        ``2 (ℓ_saturated - ℓ)``, χ² with ``dof`` degrees of freedom for a good fit.
    dof : int
        Points minus fitted parameters.
    back_switching : float
        Largest ``exp(-4Δ I/I_c0)`` over the data (the neglected back-switching factor).
    """

    thermal_stability: float
    critical_current: float
    attempt_time: float
    exponent: float
    temperature: float
    covariance: np.ndarray
    log_likelihood: float
    deviance: float
    dof: int
    back_switching: float

    @property
    def standard_errors(self) -> dict[str, float]:
        """``{name: standard error}`` of the fitted parameters (Δ, A, ln s)."""
        se = np.sqrt(np.diag(self.covariance))
        return dict(zip(_SWITCHING_NAMES, (float(s) for s in se), strict=False))

    def interval(self, name: str, level: float = 0.95) -> tuple[float, float]:
        """Two-sided Wald interval of ``"thermal_stability"``, ``"critical_current"`` (A) or
        ``"log_attempt_time"`` (ln s, when fitted)."""
        se = self.standard_errors
        if name not in se:
            raise ParameterError("name", name, "one of " + ", ".join(se))
        value = {
            "thermal_stability": self.thermal_stability,
            "critical_current": self.critical_current,
            "log_attempt_time": math.log(self.attempt_time),
        }[name]
        return _interval(value, se[name], level, None)

    def switching_probability(self, current, pulse_width):
        """Fitted ``1 - exp(-t/τ(I))`` for ``current`` (A) and ``pulse_width`` (s) arrays."""
        theta = (self.thermal_stability, self.critical_current, math.log(self.attempt_time))
        lam = _log_rate(theta, np.asarray(current, float), self.exponent) + np.log(pulse_width)
        return -np.expm1(-np.exp(lam))

    def device(self, **fields) -> MTJ:
        """The fitted :class:`devices.MTJ` (``reference_temperature`` = the measurement's)."""
        return MTJ(
            thermal_stability=self.thermal_stability,
            critical_current=self.critical_current,
            attempt_time=self.attempt_time,
            exponent=self.exponent,
            reference_temperature=self.temperature,
            **fields,
        )


def _log_rate(theta, current, b):
    """``ln(1/τ(I)) = -ln τ0 - Δ (1 - I/I_c0)^b`` for ``theta = (Δ, I_c0, ln τ0)``."""
    delta, ic0, log_tau0 = theta
    return -log_tau0 - delta * (1.0 - current / ic0) ** b


def _log_rate_gradient(theta, current, b):
    """``∂ ln λ/∂(Δ, I_c0, ln τ0)``, (n, 3)."""
    delta, ic0, _ = theta
    x = current / ic0
    return np.column_stack(
        [
            -((1.0 - x) ** b),
            -delta * b * (1.0 - x) ** (b - 1.0) * x / ic0,
            -np.ones_like(x),
        ]
    )


def _negative_log_likelihood(theta, current, width, k, m, b):
    """``-Σ [k ln P + (m - k) ln(1 - P)]`` with ``P = 1 - exp(-λ)``, ``λ = t/τ(I)``, and its
    gradient in ``theta``."""
    log_lam = _log_rate(theta, current, b) + np.log(width)
    lam = np.exp(log_lam)
    log_p = np.log(-np.expm1(-lam))
    nll = -float(np.sum(k * log_p - (m - k) * lam))
    # d/d ln λ of the log-likelihood: k λ/(e^λ - 1) - (m - k) λ
    with np.errstate(over="ignore"):
        score_lam = k * lam / np.expm1(lam) - (m - k) * lam
    grad = -(score_lam @ _log_rate_gradient(theta, current, b))
    return nll, grad


def _fisher(theta, current, width, m, b):
    """Expected Fisher information ``Σ m λ²/(e^λ - 1) g gᵀ``, g = ∂ ln λ/∂θ."""
    lam = np.exp(_log_rate(theta, current, b) + np.log(width))
    with np.errstate(over="ignore"):
        w = m * lam * lam / np.expm1(lam)
    g = _log_rate_gradient(theta, current, b)
    return (g * w[:, None]).T @ g


def _start(current, width, k, m, b, log_tau0):
    """Initial (Δ, I_c0, ln τ0): least squares of ln τ on a grid of I_c0 (ln τ is linear in
    Δ and ln τ0 for a fixed I_c0)."""
    p = (k + 0.5) / (m + 1.0)
    log_tau = np.log(width) - np.log(-np.log1p(-p))
    best = None
    for ratio in np.geomspace(1.001, 20.0, 80):
        ic0 = ratio * current.max()
        u = (1.0 - current / ic0) ** b
        if log_tau0 is None:
            a = np.column_stack([u, np.ones_like(u)])
            coef, *_ = np.linalg.lstsq(a, log_tau, rcond=None)
            delta, lt0 = coef
        else:
            lt0 = log_tau0
            delta = float(u @ (log_tau - lt0) / (u @ u))
        if delta <= 0:
            continue
        nll, _ = _negative_log_likelihood((delta, ic0, lt0), current, width, k, m, b)
        if best is None or nll < best[0]:
            best = (nll, np.array([delta, ic0, lt0]))
    if best is None:
        raise ParameterError(
            "switched", k, "counts whose switching time grows as the current falls"
        )
    return best[1]


def _fisher_scoring(theta, free, current, width, k, m, b, iterations: int = 100):
    """Maximise the likelihood from ``theta`` by Fisher scoring (Newton's method with the
    expected information, a positive definite matrix even where the likelihood is not concave),
    halving steps that leave the domain (Δ > 0, I_c0 > max I) or do not lower the negative
    log-likelihood; stops when the Newton decrement ``gᵀ I⁻¹ g`` falls below 1e-12."""
    theta = np.array(theta, dtype=np.float64)
    nll, grad = _negative_log_likelihood(theta, current, width, k, m, b)
    for _ in range(iterations):
        info = _fisher(theta, current, width, m, b)[free, free]
        step = np.linalg.solve(info, -grad[free])
        if float(-grad[free] @ step) < 1e-12:
            break
        for _ in range(60):
            trial = theta.copy()
            trial[free] = theta[free] + step
            if trial[0] > 0 and trial[1] > current.max():
                t_nll, t_grad = _negative_log_likelihood(trial, current, width, k, m, b)
                if t_nll <= nll:
                    break
            step = 0.5 * step
        else:
            break
        theta, nll, grad = trial, t_nll, t_grad
    return theta


def fit_switching(
    current,
    pulse_width,
    switched,
    trials,
    *,
    exponent: float = 2.0,
    temperature: float = 300.0,
    attempt_time: float | None = None,
) -> SwitchingFit:
    """Fit ``P = 1 - exp(-t/τ(I))``, ``τ(I) = τ0 exp(Δ (1 - I/I_c0)^b)``, to switching counts by
    maximum likelihood.

    Parameters
    ----------
    current : array_like, shape (n,)
        Write current I (A), > 0 (one polarity: the direction that switches).
    pulse_width : array_like, shape (n,)
        Pulse width t (s), > 0.
    switched : array_like of int, shape (n,)
        Cells (or repetitions) that switched, in ``[0, trials]``.
    trials : array_like of int, shape (n,)
        Cells (or repetitions) pulsed, >= 1.
    exponent : float
        b in [1, 2], fixed (2: Koch et al.; 1: Li & Zhang).
    temperature : float
        Measurement temperature (K): Δ is quoted there, and the fitted MTJ's
        ``reference_temperature``.
    attempt_time : float, optional
        Fix τ0 (s) instead of fitting it (then the fit has 2 parameters).

    Returns
    -------
    SwitchingFit

    Raises
    ------
    ParameterError
        Bad columns (non-positive currents or widths, counts outside ``[0, trials]``, wrong
        lengths); fewer points than parameters + 1, fewer than 2 (3 with τ0 free) distinct
        currents, or no point with ``0 < switched < trials`` (nothing to fit).
    """
    cur = _positive_column("current", current, "A")
    n = cur.size
    width = _positive_column("pulse_width", pulse_width, "s", n)
    k, m = _count_columns("switched", switched, "trials", trials, n)
    b = require_in("exponent", exponent, 1.0, 2.0)
    temp = require_positive("temperature", temperature, "K")
    fixed = (
        None
        if attempt_time is None
        else math.log(require_positive("attempt_time", attempt_time, "s"))
    )
    n_par = 3 if fixed is None else 2
    if n < n_par + 1:
        raise ParameterError("current", current, f"at least {n_par + 1} points")
    if np.unique(cur).size < n_par:
        raise ParameterError("current", current, f"at least {n_par} distinct currents")
    if not np.any((k > 0) & (k < m)):
        raise ParameterError("switched", switched, "some points with 0 < switched < trials")

    theta = _start(cur, width, k, m, b, fixed)
    free = slice(0, n_par)
    theta = _fisher_scoring(theta, free, cur, width, k, m, b)
    nll, _ = _negative_log_likelihood(theta, cur, width, k, m, b)
    if theta[1] <= cur.max() * (1.0 + 1e-6):
        raise ParameterError(
            "current", current, "currents below the fitted I_c0 (the thermal regime)"
        )
    cov = np.linalg.inv(_fisher(theta, cur, width, m, b)[free, free])
    with np.errstate(divide="ignore", invalid="ignore"):
        sat = np.where(k > 0, k * np.log(k / m), 0.0) + np.where(
            k < m, (m - k) * np.log1p(-k / m), 0.0
        )
    loglik = -nll
    deviance = float(2.0 * (np.sum(sat) - loglik))
    return SwitchingFit(
        thermal_stability=float(theta[0]),
        critical_current=float(theta[1]),
        attempt_time=float(math.exp(theta[2])),
        exponent=b,
        temperature=temp,
        covariance=cov,
        log_likelihood=float(loglik),
        deviance=deviance,
        dof=int(n - n_par),
        back_switching=float(np.exp(-4.0 * theta[0] * cur.min() / theta[1])),
    )


# ---------------------------------------------------------------------- files
def read_columns(path: str | Path) -> dict[str, np.ndarray]:
    """Columns of a CSV file (header row of names; lines starting with ``#`` skipped) as
    float arrays, ``{name: (n,)}``.

    Raises
    ------
    ParameterError
        ``path`` when the file has no header, ragged rows or non-numeric values.
    """
    with open(path, newline="") as fh:
        rows = [r for r in csv.reader(fh) if r and not r[0].lstrip().startswith("#")]
    if len(rows) < 2:
        raise ParameterError("path", str(path), "a CSV file with a header row and data rows")
    names = [c.strip() for c in rows[0]]
    if any(len(r) != len(names) for r in rows[1:]):
        raise ParameterError("path", str(path), f"rows of {len(names)} columns")
    try:
        data = np.array([[float(v) for v in r] for r in rows[1:]], dtype=np.float64)
    except ValueError:
        raise ParameterError("path", str(path), "numeric values below the header") from None
    return {name: data[:, j] for j, name in enumerate(names)}


def _toml_value(name: str, value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | np.integer):
        return str(int(value))
    if isinstance(value, float | np.floating):
        x = float(value)
        if not math.isfinite(x):
            raise ParameterError(name, value, "a finite number (TOML)")
        return repr(x)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_toml_value(name, v) for v in value) + "]"
    raise ParameterError(name, value, "a number, string, bool or list of them (TOML)")


def to_toml(device, path: str | Path | None = None, *, comment: str = "") -> str:
    """The device as TOML that :func:`devices.load_device` reads back to an equal device.

    Parameters
    ----------
    device : object
        An instance of a class in :data:`devices.presets.MODELS`, or a
        :class:`devices.MultiLevel` of one.
    path : str or Path, optional
        Where to write the text (UTF-8); only returned when omitted.
    comment : str
        Lines written as TOML comments at the top (e.g. the fit and its uncertainties).

    Returns
    -------
    str
        The TOML text: ``model = "..."`` and every field in SI (floats written exactly).

    Raises
    ------
    ParameterError
        ``device`` of a kind the TOML reader does not know.
    """
    levels = None
    if isinstance(device, MultiLevel):
        device, levels = device.device, device.levels
    names = {cls: name for name, cls in MODELS.items()}
    if type(device) not in names:
        raise ParameterError(
            "device", device, "a device of " + ", ".join(c.__name__ for c in MODELS.values())
        )
    lines = [f"# {line}".rstrip() for line in comment.splitlines()]
    lines.append(f"model = {json.dumps(names[type(device)])}")
    fields: Mapping[str, object] = as_dict(device)
    lines += [f"{k} = {_toml_value(k, v)}" for k, v in fields.items() if v is not None]
    if levels is not None:
        lines.append(f"levels = {int(levels)}")
    text = "\n".join(lines) + "\n"
    if path is not None:
        Path(path).write_text(text, encoding="utf-8")
    return text
