"""First-passage times over a barrier of several kT are exponential (a Poisson escape) with the
exact mean: Kolmogorov–Smirnov test against expon(scale = exact MFPT)."""

from scipy import stats

from devices import DoubleWell
from simcore import kT


def test_first_passage_times_are_exponential_with_the_exact_mean():
    kt = kT(300.0)
    dw = DoubleWell(barrier=4.0 * kt, half_width=1e-9, friction=1e-12)
    exact = dw.mean_first_passage_time(-1e-9, 1e-9)
    t = dw.langevin_first_passage(-1e-9, 1e-9, n_particles=3000, seed=5)
    result = stats.kstest(t, stats.expon(scale=exact).cdf)
    assert result.pvalue > 1e-3
