"""Checks of an experiment's report, and their error control.

A check compares a simulated value with a reference: the master equation, an exact identity or a
rigorous bound. It is declared with its standard error and how that error is known
(:func:`check`: Gaussian or Student t; :func:`count_check`: an exact Clopper–Pearson interval of a
count; :func:`bernstein_check`: Bernstein's inequality for a sum of bounded, lumpy terms;
:func:`chernoff_check`: Chernoff's bound from the exact cumulant generating function of a sum of
independent terms, sharp for a lumpy sum of few); an
experiment's ``checks(result)`` returns :func:`assemble` of its records, which sets every
tolerance so that the whole report has a family-wise false-alarm rate of at most
:data:`FAMILY_ALPHA`, whatever the seed (Bonferroni over the report's tests). Every check has a
stable ``key`` (:func:`check_key`: a name and indices, never a value) and a ``label`` for people.
A check that could not fail for the config it ran is refused with a ``ParameterError`` naming the
config keys it depends on.
"""

from __future__ import annotations

import math
import re

import numpy as np

import simcore as sc
from simcore.io import Data

#: The family-wise false-alarm rate of one report: the probability that any statistical check
#: of a correct simulation fails, whatever the seed, is at most this (Bonferroni over the
#: report's tests, see :func:`assemble`).
FAMILY_ALPHA = 1e-3

#: How a check's tolerance is set: ``exact`` (a fixed round-off tolerance, no randomness),
#: ``gauss`` (z standard errors, many samples), ``student`` (t standard errors with ``dof``
#: degrees of freedom: a standard error from few samples), ``clopper-pearson`` (an exact
#: binomial interval for a count) and ``bernstein`` (a sum of independent bounded terms of known
#: variance: Bernstein's inequality, valid for lumpy, discrete sums) and ``chernoff`` (a sum of
#: independent terms of known cumulant generating function: Chernoff's bound, as valid and far
#: sharper where the whole distribution of every term is known).
METHODS = ("exact", "gauss", "student", "clopper-pearson", "bernstein", "chernoff")

_KINDS = ("two-sided", "lower", "upper")
_KEY = re.compile(r"^[a-z][a-z0-9_]*(\[[0-9, ]*\])?$")


def check_key(name: str, *idx) -> str:
    """A check's stable key: ``name`` (lower case, digits, ``_``) and integer indices, e.g.
    ``flip_vs_master[2, 5]``; never a value, so that sweeps and tables can key results by it."""
    key = f"{name}[{', '.join(str(int(i)) for i in idx)}]" if idx else name
    if not _KEY.match(key):
        raise ValueError(f"check key {key!r}: lower case letters, digits, _ and [indices]")
    return key


def check(key: str, label: str, simulated, reference, *, se=None, dof=None, tolerance=0.0,
          kind: str = "two-sided", unit: str = "", tests: int = 1, keys=(),
          informative=None) -> dict:
    """One check of a simulated value against a reference; :func:`assemble` sets its tolerance.

    Parameters
    ----------
    key : str
        Stable identifier (:func:`check_key`: a name and indices, no values).
    label : str
        What a person reads (may hold values and units).
    simulated, reference : float
        In ``unit``.
    se : float, optional
        Standard error of ``simulated - reference`` (``unit``). Without it the check is
        ``exact``: it passes within ``tolerance`` (round-off) alone.
    dof : int, optional
        Degrees of freedom of ``se`` when it is estimated from few samples (Student t).
    tolerance : float
        Deterministic allowance added to the statistical one (round-off, a stated model error).
    kind : {"two-sided", "lower", "upper"}
        ``two-sided`` passes when ``|simulated - reference| <= tol``; ``lower`` when
        ``simulated >= reference - tol`` (a bound from below); ``upper`` when
        ``simulated <= reference + tol``.
    unit : str
    tests : int
        How many comparisons the check stands for in the family (e.g. the worst of m).
    keys : tuple of str
        The config keys whose values decide whether the check can fail (for the refusal of a
        vacuous check).
    informative : float, optional
        A tolerance at or above which the check could not fail for any plausible outcome (the
        scale of the quantity itself): :func:`assemble` refuses such a check with a
        ``ParameterError`` naming ``keys``.

    Returns
    -------
    dict
        The check record (``key``, ``check`` (the label), ``simulated``, ``reference``,
        ``tolerance``, ``kind``, ``unit``, ``method``, ``passed``, ...); ``tolerance`` and
        ``passed`` are final once :func:`assemble` has run.
    """
    if kind not in _KINDS:
        raise ValueError(f"kind={kind!r}: expected two-sided, lower or upper")
    method = "exact" if se is None else ("gauss" if dof is None else "student")
    return _record(key, label, simulated, reference, kind, unit, method, tests, keys,
                   informative, se=None if se is None else float(se), dof=dof,
                   floor=float(tolerance))


def count_check(key: str, label: str, successes, trials, reference, *,
                kind: str = "two-sided", tests: int = 1, keys=()) -> dict:
    """A fraction ``successes / trials`` against a probability ``reference``, with the exact
    Clopper–Pearson interval of the count (valid for any count, 0 and ``trials`` included).

    ``two-sided`` passes when ``reference`` lies in the interval; ``upper`` (the fraction stays
    below ``reference``) when the interval's lower end is at most ``reference``; ``lower`` when
    its upper end is at least ``reference``. The recorded ``tolerance`` is the distance from the
    fraction to the interval's end on the side of ``reference``.
    """
    if kind not in _KINDS:
        raise ValueError(f"kind={kind!r}: expected two-sided, lower or upper")
    n = int(trials)
    k = round(float(successes))
    if not 0 <= k <= n or n < 1:
        raise ValueError(f"count {successes!r} of {trials!r} trials")
    return _record(key, label, k / n, reference, kind, "", "clopper-pearson", tests, keys, None,
                   successes=k, trials=n)


def bernstein_check(key: str, label: str, simulated, reference, *, sigma, bound,
                    kind: str = "two-sided", unit: str = "", tolerance=0.0, tests: int = 1,
                    keys=()) -> dict:
    """A sum of independent terms, each within ``bound`` of its own mean, with exact mean
    ``reference`` and standard deviation ``sigma``: Bernstein's inequality
    ``P(|S - μ| >= t) <= 2 exp(-t² / (2σ² + 2bt/3))`` gives a tolerance that holds however
    lumpy the terms are (a sum of few discrete writes). ``tolerance``: round-off added."""
    if kind not in _KINDS:
        raise ValueError(f"kind={kind!r}: expected two-sided, lower or upper")
    return _record(key, label, simulated, reference, kind, unit, "bernstein", tests, keys, None,
                   se=float(sigma), bound=float(bound), floor=float(tolerance))


def chernoff_check(key: str, label: str, simulated, reference, *, mean, lambdas, cgf,
                   kind: str = "two-sided", unit: str = "", tolerance=0.0, tests: int = 1,
                   keys=()) -> dict:
    """A sum S of independent terms whose exact cumulant generating function
    ``K(λ) = ln E[exp(λ S)]`` is known on a grid of λ: Chernoff's bound
    ``P(S - μ >= t) <= exp(K(λ) - λ μ - λ t)`` for every λ > 0 (and its mirror for λ < 0) gives
    the tolerance ``t = min over the grid of (K(λ) - λ μ + ln(1/tail)) / |λ|`` on each side,
    valid at any grid (every λ gives a bound) and within a few per cent of the exact quantile for
    a fine one, however lumpy and few the terms.

    Parameters
    ----------
    key, label, simulated, kind, unit, tests, keys
        As :func:`check`; ``simulated`` is the observed S (``unit``).
    reference : float
        What S is compared with (``unit``): ``mean`` for ``two-sided``; a bound at or below the
        mean for ``lower`` (S >= reference - tolerance), at or above it for ``upper``.
    mean : float
        The exact mean μ of S (``unit``).
    lambdas : array_like, shape (L,)
        The grid of λ (1/``unit``), of either sign (a side without λ of its sign gets an
        infinite tolerance).
    cgf : array_like, shape (L,)
        ``K(λ)`` at ``lambdas`` (dimensionless, finite).
    tolerance : float
        Deterministic allowance added (round-off).

    Returns
    -------
    dict
        The check record (see :func:`check`); for ``two-sided`` the tolerance of the side on
        which ``simulated`` lies; for ``lower``/``upper`` the distance from ``reference`` to
        the Chernoff limit, at least 0.
    """
    if kind not in _KINDS:
        raise ValueError(f"kind={kind!r}: expected two-sided, lower or upper")
    lam = np.asarray(lambdas, dtype=np.float64)
    k = np.asarray(cgf, dtype=np.float64)
    if lam.ndim != 1 or lam.shape != k.shape or not np.all(np.isfinite(k)) or np.any(lam == 0):
        raise ValueError("lambdas and cgf: finite, of one shape (L,), no λ = 0")
    return _record(key, label, simulated, reference, kind, unit, "chernoff", tests, keys, None,
                   mean=float(mean), lambdas=tuple(lam.tolist()), cgf=tuple(k.tolist()),
                   floor=float(tolerance))


def _chernoff_limit(c: dict, tail: float, side: int) -> float:
    """The deviation of S from its mean beyond which it lies with probability at most ``tail``
    on ``side`` (+1 above, -1 below), by Chernoff's bound at the best λ of the grid."""
    lam = np.asarray(c["lambdas"])
    sel = side * lam > 0
    if not sel.any():
        return math.inf
    centred = np.asarray(c["cgf"])[sel] - lam[sel] * c["mean"]
    return float(np.min((centred + math.log(1.0 / tail)) / np.abs(lam[sel])))


def _record(key, label, simulated, reference, kind, unit, method, tests, keys, informative,
            **stats) -> dict:
    check_key(key)  # validates
    return {
        "key": key,
        "check": label,
        "simulated": float(simulated),
        "reference": float(reference),
        "tolerance": math.nan,
        "kind": kind,
        "unit": unit,
        "method": method,
        "tests": int(tests),
        "keys": tuple(keys),
        "informative": None if informative is None else float(informative),
        "level": math.nan,
        "passed": False,
        **stats,
    }


def _tolerance(c: dict, level: float) -> float:
    """Tolerance of check ``c`` when each of the family's tests may fail with ``level``."""
    from scipy import stats

    two = c["kind"] == "two-sided"
    tail = level / 2 if two else level
    floor = c.get("floor", 0.0)
    m = c["method"]
    if m == "exact":
        return floor
    if m == "gauss":
        return float(stats.norm.isf(tail)) * c["se"] + floor
    if m == "student":
        return float(stats.t.isf(tail, c["dof"])) * c["se"] + floor
    if m == "bernstein":
        ln = math.log(1.0 / tail)
        b3 = c["bound"] * ln / 3.0
        return b3 + math.sqrt(b3 * b3 + 2.0 * c["se"] ** 2 * ln) + floor
    if m == "chernoff":
        s, r, mu = c["simulated"], c["reference"], c["mean"]
        if two:
            return _chernoff_limit(c, tail, 1 if s >= mu else -1) + floor
        if c["kind"] == "lower":
            return max(0.0, _chernoff_limit(c, tail, -1) - (mu - r)) + floor
        return max(0.0, _chernoff_limit(c, tail, 1) - (r - mu)) + floor
    # clopper-pearson: the interval's end on the side of the reference
    k, n = c["successes"], c["trials"]
    lo = 0.0 if k == 0 else float(stats.beta.ppf(tail, k, n - k + 1))
    hi = 1.0 if k == n else float(stats.beta.isf(tail, k + 1, n - k))
    s, r = c["simulated"], c["reference"]
    if c["kind"] == "upper" or (two and r < s):
        return s - lo
    return hi - s


def assemble(checks: list[dict], alpha: float = FAMILY_ALPHA) -> list[dict]:
    """Set every check's tolerance and verdict so that the whole report has a family-wise
    false-alarm rate of at most ``alpha``: each of its ``m`` statistical tests (``tests`` of
    every non-exact check) is made at level ``alpha / m`` (Bonferroni), i.e. a two-sided
    Gaussian check at ``z = Φ⁻¹(1 - alpha/(2m))`` standard errors. Idempotent.

    Parameters
    ----------
    checks : list of dict
        Records of :func:`check`, :func:`count_check`, :func:`bernstein_check` and
        :func:`chernoff_check`.
    alpha : float
        Family-wise false-alarm rate, in (0, 1).

    Returns
    -------
    list of dict
        The same records (updated in place) with ``tolerance``, ``level`` and ``passed``.

    Raises
    ------
    simcore.ParameterError
        When a check could not fail (its tolerance reaches its ``informative`` scale, or is not
        finite): the config keys it depends on are named.
    ValueError
        When two checks share a key.
    """
    keys = [c["key"] for c in checks]
    if len(set(keys)) != len(keys):
        dup = sorted({k for k in keys if keys.count(k) > 1})
        raise ValueError(f"check keys repeated: {dup}")
    m = sum(c["tests"] for c in checks if c["method"] != "exact")
    level = alpha / max(m, 1)
    for c in checks:
        tol = _tolerance(c, level)
        c["tolerance"], c["level"] = tol, level if c["method"] != "exact" else 0.0
        if c["keys"] and _vacuous(c, level):
            raise sc.ParameterError(
                ", ".join(c["keys"]), c["check"],
                f"values for which the check {c['key']} can fail (at tolerance {tol:.3g}"
                f" {c['unit']} it passes whatever is simulated)")
        c["passed"] = _passes(c, tol)
    return checks


def _passes(c: dict, tol: float) -> bool:
    s, r = c["simulated"], c["reference"]
    if c["kind"] == "two-sided":
        ok = abs(s - r) <= tol
    elif c["kind"] == "lower":
        ok = s >= r - tol
    else:
        ok = s <= r + tol
    return bool(ok and np.isfinite(s))


def _vacuous(c: dict, level: float) -> bool:
    """Whether check ``c`` would pass whatever is simulated: its tolerance is not finite or
    reaches its ``informative`` scale; for a count, even the most adverse count passes."""
    tol = c["tolerance"]
    if not np.isfinite(tol) or (c["informative"] is not None and tol >= c["informative"]):
        return True
    if c["method"] != "clopper-pearson" or c["kind"] == "two-sided":
        return False
    n = c["trials"]
    worst = 0 if c["kind"] == "lower" else n
    adverse = {**c, "successes": worst, "simulated": worst / n}
    return _passes(adverse, _tolerance(adverse, level))


def checks_tree(checks: list[dict]) -> dict:
    """The ``checks`` group of a result file (the records of :func:`assemble`)."""
    return {
        "key": Data(np.array([c["key"] for c in checks], dtype=object), "",
                    "stable identifier: name[indices], no values"),
        "name": Data(np.array([c["check"] for c in checks], dtype=object), "",
                     "what is compared (a label for people)"),
        "simulated": Data(np.array([c["simulated"] for c in checks]), "", "simulated value"),
        "reference": Data(np.array([c["reference"] for c in checks]), "",
                          "reference: master equation, exact identity or bound"),
        "tolerance": Data(np.array([c["tolerance"] for c in checks]), "",
                          "allowed deviation at the family-wise false-alarm rate"
                          f" {FAMILY_ALPHA:g} per report, or round-off"),
        "kind": Data(np.array([c["kind"] for c in checks], dtype=object), "",
                     "two-sided, lower (bound from below) or upper"),
        "method": Data(np.array([c.get("method", "exact") for c in checks], dtype=object), "",
                       "how the tolerance was set: " + ", ".join(METHODS)),
        "unit": Data(np.array([c["unit"] for c in checks], dtype=object), "",
                     "unit of simulated, reference and tolerance"),
        "passed": Data(np.array([c["passed"] for c in checks], dtype=bool), ""),
    }
