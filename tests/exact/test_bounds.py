"""Every bound of ``simcore.bounds`` confronted with simulation (THEORY.md sections 5 and 6).

Rigorous bounds: the master equation never beats them beyond round-off and Monte Carlo never
beats them by more than 4 standard errors (one-sided). Achievable bounds and estimates: the
protocol that attains them approaches them with the stated asymptotic error, and the Monte Carlo
engine agrees with the master equation within 4 standard errors. Seeds are fixed.
"""

import math

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import simcore as sc
from simcore import bounds

T = 300.0
KT = sc.kT(T)
F0 = 1e9
N_SIGMA = 4.0
ROUND_OFF = 1e-9 * KT  # float sums over thousands of steps


def binomial_stderr(p, n):
    return math.sqrt(max(p * (1 - p), 1.0 / n) / n)


# --------------------------------------------------------------------------- rigorous bounds
@st.composite
def random_protocols(draw):
    m = draw(st.sampled_from([2, 3]))
    knots = draw(st.integers(2, 4))
    energies = np.array(
        [[draw(st.floats(-4, 4)) for _ in range(m)] for _ in range(knots)]
    ) * KT
    saddles = np.array(
        [[draw(st.floats(0, 6)) for _ in range(m - 1)] for _ in range(knots)]
    ) * KT
    gaps = [draw(st.floats(0.2, 5.0)) / F0 for _ in range(knots - 1)]
    times = np.concatenate([[0.0], np.cumsum(gaps)])
    weights = np.array([draw(st.floats(0.05, 1.0)) for _ in range(m)])
    kinetics = draw(st.sampled_from(sc.KINETICS))
    return sc.Protocol(times, energies, saddles), weights / weights.sum(), kinetics


@settings(max_examples=12, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow])
@given(case=random_protocols())
def test_random_protocols_never_beat_second_law_or_speed_limit(case):
    protocol, p0, kinetics = case
    dt = 0.1 / F0
    exact = sc.solve_master(protocol, dt, T, F0, kinetics, initial=p0)
    e0, e1 = protocol.start[0], protocol.end[0]
    delta_f = bounds.second_law(p0, exact.occupancy, e0, e1, T)
    least = delta_f + bounds.speed_limit(p0, exact.occupancy, exact.activity, T)
    assert exact.delta_f_neq == pytest.approx(delta_f, abs=ROUND_OFF)
    assert exact.work >= least - ROUND_OFF
    # the activity never exceeds the cap set by the fastest escape rate
    assert exact.activity <= bounds.activity_cap(protocol, dt, T, F0, kinetics) * (1 + 1e-12)
    cells = sc.MemoryArray(20_000, protocol.n_levels, temperature=T, attempt_frequency=F0,
                           kinetics=kinetics, seed=11)
    mc = cells.run(protocol, dt, initial=p0)
    assert mc.work.mean >= least - N_SIGMA * mc.work.stderr - ROUND_OFF


def test_heat_form_of_second_law_over_a_cycle():
    """⟨Q⟩ >= kT [H(p0) - H(pτ)] when ΔU = 0: a fast erasure cycle pays more than Landauer."""
    protocol = (
        sc.Protocol.ramp(sc.bit_landscape(10 * KT), sc.bit_landscape(0.0), 2 / F0, "erase")
        .ramp_to(*sc.bit_landscape(0.0, 6 * KT), 4 / F0, "erase")
        .ramp_to(*sc.bit_landscape(30 * KT, 6 * KT), 2 / F0, "erase")
        .jump_to(*sc.bit_landscape(30 * KT), "erase")
    )
    exact = sc.solve_master(protocol, 0.05 / F0, T, F0, initial="equilibrium")
    bound = bounds.landauer_erasure(exact.occupancy[0], T)
    assert abs(exact.delta_u) < ROUND_OFF
    assert exact.heat >= bound
    mc = sc.MemoryArray(100_000, temperature=T, attempt_frequency=F0, seed=5).run(
        protocol, 0.05 / F0, initial="equilibrium")
    assert mc.heat.mean >= bound - N_SIGMA * mc.heat.stderr
    assert abs(mc.heat.mean - exact.heat) <= N_SIGMA * mc.heat.stderr


def test_barrier_speed_limit_ties_barrier_duration_and_dissipation():
    """A tilt-only write over a barrier that never drops below E_B dissipates at least
    kT L1² e^{E_B/kT} / (2 f0 τ)."""
    barrier, tilt, tau = 3 * KT, 2 * KT, 20 / F0
    protocol = sc.Protocol.ramp(sc.bit_landscape(barrier), sc.bit_landscape(barrier, -tilt),
                                tau, "update")
    exact = sc.solve_master(protocol, 0.05 / F0, T, F0, initial=0)
    # lowest barrier seen from an occupied well: from the raised well 0, barrier - tilt/2
    least = bounds.barrier_speed_limit([1, 0], exact.occupancy, tau, barrier - tilt / 2, F0, T)
    assert exact.work - exact.delta_f_neq >= least
    assert exact.work - exact.delta_f_neq >= bounds.speed_limit(
        [1, 0], exact.occupancy, exact.activity, T)


# --------------------------------------------------------------------------- Landauer reached
def test_quasistatic_erasure_reaches_landauer_within_1e_3_kT():
    """Lower the barrier, tilt along the arrhenius geodesic to error 1e-2, raise the barrier,
    untilt: the heat exceeds kT[ln2 + P ln P + (1-P) ln(1-P)] by the slow-driving excess only."""
    error = 1e-2
    length = bounds.thermodynamic_length(
        bounds.geodesic_bit_protocol(0.5, error, 1.0, T, F0, "arrhenius", 0.0), T, F0, "arrhenius")
    tau = length**2 / (5e-4 * KT)  # slow-driving excess L²/τ = 5e-4 kT
    erase = bounds.geodesic_bit_protocol(0.5, error, tau, T, F0, "arrhenius", 0.0, 129, "erase")
    tilt_end = erase.end[0]
    protocol = (
        sc.Protocol.ramp(sc.bit_landscape(40 * KT), sc.bit_landscape(0.0), 1e-3 / F0, "erase")
        .then(erase)
        .jump_to(tilt_end, [40 * KT], "erase")
        .jump_to(*sc.bit_landscape(40 * KT), "erase")
    )
    exact = sc.solve_master(protocol, 0.5 / F0, T, F0, initial="equilibrium")
    bound = bounds.landauer_erasure(exact.occupancy[0], T)
    assert exact.occupancy[0] == pytest.approx(1 - error, rel=1e-3)
    assert 0.0 <= exact.heat - bound <= 1e-3 * KT
    mc = sc.MemoryArray(200_000, temperature=T, attempt_frequency=F0, seed=3).run(
        protocol, 0.5 / F0, initial="equilibrium")
    assert abs(mc.heat.mean - exact.heat) <= N_SIGMA * mc.heat.stderr


# --------------------------------------------------------------------------- geodesic erasure
def _glauber_excess(protocol, dt):
    exact = sc.solve_master(protocol, dt, T, F0, "glauber", initial="equilibrium")
    delta_f = sc.free_energy(protocol.end[0], KT) - sc.free_energy(protocol.start[0], KT)
    return exact.work - delta_f, exact


def test_geodesic_erasure_approaches_its_slow_driving_limit():
    """Excess work × duration -> L² (the geodesic constant); W_ex - L²/τ - c₂/τ² falls like 1/τ³.

    The step-size error is removed by Richardson extrapolation in dt (the engine converges at
    first order in dt, THEORY 2), so the remaining error is the slow-driving expansion's."""
    error = 1e-3
    length2 = bounds.glauber_bit_length(0.5, error, F0, T) ** 2
    taus = np.array([10.0, 20.0, 40.0, 80.0]) / F0
    ratio, remainder = [], []
    for tau in taus:
        protocol = bounds.geodesic_erasure_protocol(error, tau, T, F0, n_knots=257)
        coarse, _ = _glauber_excess(protocol, 0.04 / F0)
        fine, exact = _glauber_excess(protocol, 0.02 / F0)
        excess = 2 * fine - coarse
        ratio.append(excess * tau / length2)
        remainder.append(excess - bounds.geodesic_bit_excess(0.5, error, tau, F0, T))
        # the rigorous speed limit holds for each of them
        least = bounds.speed_limit(exact.initial_occupancy, exact.occupancy, exact.activity, T)
        assert exact.work - exact.delta_f_neq >= least
        # and the leading order is the geodesic_erasure_excess of the issue
        assert bounds.geodesic_erasure_excess(error, tau, F0, T) == pytest.approx(length2 / tau)
    ratio = np.array(ratio)
    remainder = np.abs(np.array(remainder))
    # τ W_ex / L² - 1 = c₂/(L² τ) + O(τ^-2) -> 0 like 1/τ: halves with each doubling of τ
    assert np.all(np.diff(ratio) < 0) and ratio[-1] - 1 < 0.03
    slope = np.diff(np.log(ratio - 1)) / np.log(2)
    assert np.all(np.abs(slope + 1) < 0.25), slope  # exponent -1 up to the O(1/τ) correction
    # third-order remainder: exponent -3 up to its own O(1/τ) correction
    slope3 = np.diff(np.log(remainder)) / np.log(2)
    assert np.all(np.abs(slope3 + 3) < 0.5), slope3


def test_geodesic_beats_linear_ramp_and_monte_carlo_confirms_it():
    error, tau = 1e-3, 20 / F0
    geodesic = bounds.geodesic_erasure_protocol(error, tau, T, F0)
    linear = sc.Protocol.ramp(geodesic.start, geodesic.end, tau, "erase")
    w_geo, exact = _glauber_excess(geodesic, 0.02 / F0)
    w_lin, _ = _glauber_excess(linear, 0.02 / F0)
    assert w_geo < w_lin
    cells = sc.MemoryArray(200_000, temperature=T, attempt_frequency=F0, kinetics="glauber", seed=9)
    mc = cells.run(geodesic, 0.02 / F0, initial="equilibrium")
    assert abs(mc.work.mean - exact.work) <= N_SIGMA * mc.work.stderr


# --------------------------------------------------------------------------- retention
def _escape_landscape(barrier):
    """Well 0 at 0, saddle at ``barrier``, well 1 sunk 60 kT: the return rate is e^-60 times
    the escape rate, so the occupancy of level 1 is the first-passage (ever-escaped)
    probability to relative accuracy e^-60."""
    return np.array([0.0, -60 * KT]), np.array([barrier])


def test_retention_barrier_matches_simulated_escape_probability():
    hold, error = 10 * sc.YEAR, 1e-2
    barrier = bounds.retention_barrier(hold, error, F0, T)
    protocol = sc.Protocol.constant(*_escape_landscape(barrier), hold, "hold")
    exact = sc.solve_master(protocol, hold, T, F0, initial=0)
    assert exact.occupancy[1] == pytest.approx(error, rel=1e-12)
    n = 400_000
    cells = sc.MemoryArray(n, temperature=T, attempt_frequency=F0, seed=21)
    cells.run(protocol, hold, initial=0)
    escaped = cells.occupancy()[1]
    assert abs(escaped - error) <= N_SIGMA * binomial_stderr(error, n)


def test_retention_barrier_for_an_array_of_cells():
    hold, error, per_array, arrays = 10 * sc.YEAR, 0.05, 16, 25_000
    barrier = bounds.retention_barrier(hold, error, F0, T, n_cells=per_array)
    protocol = sc.Protocol.constant(*_escape_landscape(barrier), hold, "hold")
    cells = sc.MemoryArray(per_array * arrays, temperature=T, attempt_frequency=F0, seed=22)
    cells.run(protocol, hold, initial=0)
    failed = (cells.state.reshape(arrays, per_array) == 1).any(axis=1).mean()
    assert abs(failed - error) <= N_SIGMA * binomial_stderr(error, arrays)


def test_held_symmetric_bit_stays_below_retention_error():
    """In a symmetric held bit the wrong-well occupancy is (1 - e^{-2kt})/2 <= ε."""
    hold, error = 10 * sc.YEAR, 0.1
    barrier = bounds.retention_barrier(hold, error, F0, T)
    protocol = sc.Protocol.constant(*sc.bit_landscape(barrier), hold, "hold")
    n = 200_000
    cells = sc.MemoryArray(n, temperature=T, attempt_frequency=F0, seed=23)
    cells.run(protocol, hold, initial=0)
    wrong = cells.occupancy()[1]
    k = bounds.escape_rate(barrier, F0, T)
    predicted = -0.5 * math.expm1(-2 * k * hold)
    assert abs(wrong - predicted) <= N_SIGMA * binomial_stderr(predicted, n)
    assert wrong <= error + N_SIGMA * binomial_stderr(error, n)
    assert predicted < error


# --------------------------------------------------------------------------- static write, copy
def _static_write(barrier, tilt, write_time):
    """Lift well 0 by ``tilt`` (saddle fixed ``barrier`` above the unlifted wells) for
    ``write_time``, then drop it: a tilt-only write of a 1 into a cell."""
    rest = (np.array([0.0, 0.0]), np.array([barrier]))
    lifted = np.array([tilt, 0.0])
    return (
        sc.Protocol.constant(*rest, 1e-30, "update")
        .jump_to(lifted, rest[1], "update")
        .hold(write_time, "update")
        .jump_to(*rest, "update")
    )


def test_static_write_failure_and_cost_match_simulated_tilt_writes():
    """Copy into a retention-barrier memory where half the bits differ (THEORY 5.5, 5.6)."""
    write_time, error = 1e-8, 1e-2
    barrier = bounds.retention_barrier(10 * sc.YEAR, 1e-3, F0, T, n_cells=1e6)
    tilt = bounds.static_write_tilt(barrier, write_time, error, F0, T)
    p_fail = bounds.static_write_error(tilt, barrier, write_time, F0, T)
    # the estimate's stated error: |P_fail - ε| <= e^{-tilt/kT} + ε f0 τ_w e^{-E_B/kT}
    asymptotic = math.exp(-tilt / KT) + error * F0 * write_time * math.exp(-barrier / KT)
    assert abs(p_fail - error) <= asymptotic + 1e-12 * error  # + round-off
    protocol = _static_write(barrier, tilt, write_time)
    n = 200_000
    cells = sc.MemoryArray(n, temperature=T, attempt_frequency=F0, seed=31)
    mc = cells.run(protocol, write_time / 4, initial=[0.5, 0.5])
    exact = sc.solve_master(protocol, write_time / 4, T, F0, initial=[0.5, 0.5])
    # failure among the cells that had to change
    assert exact.occupancy[0] / 0.5 == pytest.approx(p_fail, rel=1e-6)
    assert abs(mc.occupancy[0] - exact.occupancy[0]) <= N_SIGMA * binomial_stderr(0.5 * p_fail, n)
    # mean work = heat = tilt per successfully changed bit
    copy_cost = bounds.consolidation_copy_cost(barrier, write_time, error, F0, T, 0.5)
    assert copy_cost == pytest.approx(0.5 * tilt * (1 - error))
    assert exact.work == pytest.approx(0.5 * tilt * (1 - p_fail), rel=1e-6)
    assert abs(mc.work.mean - exact.work) <= N_SIGMA * mc.work.stderr
    assert abs(mc.heat.mean - exact.work) <= N_SIGMA * mc.heat.stderr
    assert abs(mc.work.mean - copy_cost) <= N_SIGMA * mc.work.stderr + 0.5 * tilt * asymptotic


def test_raising_the_barrier_in_place_costs_no_work_and_loses_raise_error():
    low, high, tau = 8 * KT, 30 * KT, 2000 / F0
    dt = tau / 400
    e_sink, _ = _escape_landscape(0.0)
    protocol = sc.Protocol.ramp((e_sink, [low]), (e_sink, [high]), tau, "consolidate")
    exact = sc.solve_master(protocol, dt, T, F0, initial=0)
    predicted = bounds.raise_error(low, high, tau, F0, T)
    # right-endpoint sums of the decreasing escape rate: error <= dt (k(0) - k(τ)) (rigorous)
    grid_error = dt * (bounds.escape_rate(low, F0, T) - bounds.escape_rate(high, F0, T))
    assert abs(exact.occupancy[1] - predicted) <= grid_error
    symmetric = sc.Protocol.ramp(sc.bit_landscape(low), sc.bit_landscape(high), tau, "consolidate")
    n = 200_000
    mc = sc.MemoryArray(n, temperature=T, attempt_frequency=F0, seed=41).run(
        symmetric, dt, initial=0)
    assert mc.work.mean == 0.0  # moving only saddles does no work (THEORY 4)
    sunk = sc.MemoryArray(n, temperature=T, attempt_frequency=F0, seed=42)
    sunk.run(protocol, dt, initial=0)
    assert abs(sunk.occupancy()[1] - exact.occupancy[1]) <= N_SIGMA * binomial_stderr(
        exact.occupancy[1], n)


# --------------------------------------------------------------------------- energy-to-solution
def _simulate_optimiser(architecture, n_params, bits, n_iter, scale, update_time, error, every,
                        seed=0):
    """A small optimiser in barrier memories, written by tilt-only writes as in
    ``energy_to_solution``: at iteration n each parameter changes with probability a_n and its
    ``bits`` cells get fresh random targets; changed cells are lifted out of the wrong well for
    ``update_time``. ``static`` also copies into a long-term array every ``every`` iterations."""
    rng = np.random.default_rng(seed)
    cells = n_params * bits
    long_barrier = bounds.retention_barrier(10 * sc.YEAR, error, F0, T, n_cells=cells)
    short_barrier = bounds.retention_barrier(every * update_time, error, F0, T)
    fast = sc.MemoryArray(cells, temperature=T, attempt_frequency=F0, seed=seed + 1)
    slow = sc.MemoryArray(cells, temperature=T, attempt_frequency=F0, seed=seed + 2)
    target = np.zeros(cells, dtype=np.uint8)
    rest = np.zeros(2)

    def write(array, barrier, want, mask, tag):
        tilt = bounds.static_write_tilt(barrier, update_time, error, F0, T)
        e = np.zeros((cells, 2))
        lift = mask & (array.state != want)
        e[lift, 1 - want[lift]] = tilt
        array.step(e, [barrier], update_time, tag)
        array.step(rest, [barrier], 0.0, tag)

    # the first landscape an array sees costs no work: start both at rest
    fast.step(rest, [short_barrier], 0.0, "update")
    slow.step(rest, [long_barrier], 0.0, "consolidate")
    for n in range(1, n_iter + 1):
        a = bounds.schedule_activity(n, "inverse", scale)
        changed = np.repeat(rng.random(n_params) < a, bits)
        target = np.where(changed, rng.integers(0, 2, cells), target).astype(np.uint8)
        barrier = short_barrier if architecture == "static" else min(
            bounds.matched_barrier(n, "inverse", scale, update_time, error, F0, T), long_barrier)
        write(fast, barrier, target, changed, "update")
        if architecture == "static" and n % every == 0:
            write(slow, long_barrier, fast.state.copy(), np.ones(cells, bool), "consolidate")
    return fast.result(), slow.result()


@pytest.mark.parametrize("architecture", ["static", "matched"])
def test_energy_to_solution_terms_match_a_simulated_optimiser(architecture):
    n_params, bits, n_iter, scale, update_time, error, every = 400, 4, 24, 6.0, 1e-8, 1e-3, 4
    estimate = bounds.energy_to_solution(
        architecture, n_params * n_iter, n_params, "inverse", bits, scale=scale,
        update_time=update_time, temperature=T, attempt_frequency=F0, error=error,
        retention=10 * sc.YEAR, consolidation_interval=every)
    fast, slow = _simulate_optimiser(architecture, n_params, bits, n_iter, scale, update_time,
                                     error, every)
    cells = n_params * bits
    update = fast.by_tag["update"].work
    assert abs(update.mean * cells - estimate.update) <= N_SIGMA * update.stderr * cells
    if architecture == "static":
        copy = slow.by_tag["consolidate"].work
        assert abs(copy.mean * cells - estimate.consolidation) <= N_SIGMA * copy.stderr * cells
    # the changed-bit count behind every term; per parameter and iteration it is 0 with
    # probability 1 - a_n, else Binomial(bits, 1/2): variance a B/4 + a(1-a) B²/4
    a = bounds.schedule_activity(np.arange(1, n_iter + 1), "inverse", scale)
    sd = math.sqrt(n_params * np.sum(a * bits / 4 + a * (1 - a) * bits**2 / 4))
    changed = fast.by_tag["update"].changes * cells
    assert abs(changed - estimate.changed_bits) <= N_SIGMA * sd


# --------------------------------------------------------------------- energy-to-solution sums
def _brute_force_sums(architecture, n_iter, n_params, schedule, bits, scale, update_time,
                      every):
    """The per-bit sums of ``energy_to_solution`` term by term (its pre-Euler–Maclaurin form):
    ``(Σ a_n, Σ a_n c_n / 2, Σ a_n ε c_n, Σ_windows q_j)``."""
    eps = 2.0**-bits
    cells = n_params * bits
    e_long = bounds.retention_barrier(10 * sc.YEAR, eps, F0, T, n_cells=cells)
    changed = update = hold = copies = 0.0
    size = every * max(1, 2**22 // every)
    for start in range(1, n_iter + 1, size):
        n = np.arange(start, min(start + size, n_iter + 1), dtype=np.float64)
        a = bounds.schedule_activity(n, schedule, scale)
        changed += a.sum()
        if architecture == "static":
            kept = np.exp(np.add.reduceat(np.log1p(-np.minimum(a, 1 - 1e-16)),
                                          np.arange(0, n.size, every)))
            copies += np.sum(0.5 * (1.0 - kept))
        elif architecture == "matched":
            e_n = np.minimum(bounds.retention_barrier(update_time / a, eps, F0, T), e_long)
            c = bounds.static_write_cost(e_n, update_time, eps, F0, T)
            update += np.sum(0.5 * a * c)
            hold += np.sum(a * eps * c)
    return changed, update, hold, copies


@pytest.mark.parametrize(
    ("n_iter", "schedule", "scale", "update_time", "every"),
    [
        (10**7, "inverse", None, 1e-8, 100),  # default n0 = n/10
        (10**7, "exponential", None, 1e-8, 1),  # one window per iteration: 10^7 windows
        (3 * 10**7, "logarithmic", 1e3, 1e-8, 10),
        (10**7, "exponential", 1e5, 1e-8, 100),  # the barrier reaches E_L: a kink at 4.7e6
        # (1 ns, the old default, is outside the estimate's range f0 τ_u >= ln(1/ε): refused)
    ],
)
def test_energy_to_solution_sums_match_term_by_term(n_iter, schedule, scale, update_time, every):
    """Beyond 2^20 iterations the sums are Euler–Maclaurin: they agree with the term-by-term
    sums to within the reported ``sum_error`` (plus float round-off of the brute force)."""
    n_params, bits = 1000, 8
    sc_ = max(1.0, n_iter / 10) if scale is None else scale
    ref = _brute_force_sums("matched", n_iter, n_params, schedule, bits, sc_, update_time, every)
    copies = _brute_force_sums("static", n_iter, n_params, schedule, bits, sc_, update_time,
                               every)[3]
    common = dict(scale=scale, update_time=update_time, consolidation_interval=every)
    m = bounds.energy_to_solution("matched", n_iter * n_params, n_params, schedule, bits,
                                  **common)
    s = bounds.energy_to_solution("static", n_iter * n_params, n_params, schedule, bits,
                                  **common)
    cells = n_params * bits
    assert m.n_iterations == n_iter
    if schedule == "exponential" and scale == 1e5:
        assert bounds.matched_kinks(n_iter, schedule, sc_, update_time, 2.0**-8, F0, T,
                                    m.barrier_long)
    c_long = bounds.static_write_cost(s.barrier_long, update_time, 2.0**-8, F0, T)
    # brute-force float sums of up to 3e7 terms: relative round-off well below 1e-13
    for got, want, err in (
        (m.changed_bits, 0.5 * ref[0] * cells, m.sum_error),
        (m.update, ref[1] * cells, m.sum_error),
        (m.hold, ref[2] * cells, m.sum_error),
        (s.consolidation, copies * c_long * cells, s.sum_error),
    ):
        assert abs(got - want) <= err + 1e-13 * abs(want)
    assert m.sum_error < 1e-12 * m.total and s.sum_error < 1e-12 * s.total


def test_energy_to_solution_closed_forms_at_ten_to_the_thirteen():
    """10^13 iterations per parameter (OPS = 10^28 at N = 10^15) against closed forms: the
    changed bits of the inverse schedule, ``Σ_{n≤M} s/(s+n) = s [ψ(s+M+1) - ψ(s+1)]``, and the
    matched update of the exponential schedule, whose tilt ``δ_n = kT (ln L + n/s)``
    (``L = ln(1/ε)/(-ln(1-ε))``, far below E_L) gives geometric sums."""
    from scipy.special import digamma

    m_iter, n_params, bits = 10**13, 10**15, 8
    r = bounds.energy_to_solution("matched", 1e28, 1e15, "inverse", bits)
    assert r.n_iterations == m_iter
    s = m_iter / 10
    want = s * (digamma(s + m_iter + 1) - digamma(s + 1))
    assert r.changed_bits == pytest.approx(0.5 * want * n_params * bits, rel=1e-12)

    tau, eps = 1e-8, 2.0**-bits
    r = bounds.energy_to_solution("matched", 1e28, 1e15, "exponential", bits, update_time=tau)
    q, omq = math.exp(-1 / s), -math.expm1(-1 / s)
    q_m = math.exp(-m_iter / s)
    geometric = q * -math.expm1(-m_iter / s) / omq  # Σ q^n
    weighted = q * (1 - q_m * (1 + m_iter * omq)) / omq**2 / s  # Σ (n/s) q^n
    ln_l = math.log(math.log(1 / eps) / -math.log1p(-eps))
    per_bit = 0.5 * KT * (1 - eps) * (ln_l * geometric + weighted)
    assert r.barrier_final < r.barrier_long
    assert r.update == pytest.approx(per_bit * n_params * bits, rel=1e-12)
    assert r.hold == pytest.approx(2 * eps * r.update, rel=1e-12)
    assert r.sum_error < 1e-12 * r.total


@pytest.mark.slow
def test_energy_to_solution_sums_at_ten_to_the_eight():
    n_iter, n_params, bits = 10**8, 10, 8
    ref = _brute_force_sums("matched", n_iter, n_params, "inverse", bits, n_iter / 10, 1e-8, 100)
    m = bounds.energy_to_solution("matched", n_iter * n_params, n_params, "inverse", bits,
                                  update_time=1e-8)
    assert abs(m.update - ref[1] * n_params * bits) <= m.sum_error + 1e-13 * m.update
