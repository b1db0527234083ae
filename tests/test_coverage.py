"""Coverage study (uncertainty/coverage.py) on known answers, and its determinism across worker counts."""

import numpy as np
import pytest

from replication.checks.coverage_check import FitQuantities, add_calibrated_width
from replication.fitting import fit_multistart, squared
from replication.laws import get_law
from replication.uncertainty.coverage import CoverageSpec, coverage_study, shortfall, width_factor

LAW = get_law("power_law")
SD = 0.05


class OffsetTruth:
    """Known truth y = E + A x^-alpha with log-normal noise: a pure power law fitted to it is misspecified."""

    def __init__(self, x, E, A, alpha, sd):
        self.mean = E + A * x ** -alpha
        self.sd = sd

    def __call__(self, rng):
        return self.mean * np.exp(rng.normal(0, self.sd, self.mean.size))


class PowerTruth(OffsetTruth):
    def __init__(self, x, A, alpha, sd):
        super().__init__(x, 0.0, A, alpha, sd)


def _study(draw, truth_alpha, k, b=199, n=200, seed=5, n_jobs=1):
    x = np.logspace(0, 3, n)
    X = {"x": x}
    y = draw(np.random.default_rng(seed))
    point = fit_multistart(LAW, squared("log"), X, y, np.array([[0.0, 0.5]]))
    return coverage_study(LAW, squared("log"), X, y, point, FitQuantities(LAW, None, {}), ["alpha"],
                          CoverageSpec(k, b, (0.8, 0.95), seed), draw=draw, truth={"alpha": truth_alpha},
                          n_jobs=n_jobs)


def test_correctly_specified_power_law_covers_nominal():
    """Linear log-log regression with Gaussian errors and 200 points: the percentile bootstrap of the slope is
    first-order accurate, so coverage is nominal within Monte Carlo error (3 SEs)."""
    k = 160
    x = np.logspace(0, 3, 200)
    out = _study(PowerTruth(x, 3.0, 0.4, SD), 0.4, k)
    for level in (0.8, 0.95):
        c = out["alpha"][level]
        assert c["k"] == k
        assert abs(c["coverage"] - level) <= 3 * np.sqrt(level * (1 - level) / k), (level, c)


def test_misspecified_model_undercovers():
    """A pure power law fitted to data with an irreducible offset: the exponent's intervals miss the true one."""
    k = 40
    x = np.logspace(0, 3, 200)
    out = _study(OffsetTruth(x, 0.5, 3.0, 0.4, SD), 0.4, k)
    c = out["alpha"][0.95]
    assert shortfall(0.95, c["coverage"], c["coverage_mcse"])
    assert c["coverage"] < 0.5


def test_identical_for_any_worker_count():
    x = np.logspace(0, 3, 200)
    draw = PowerTruth(x, 3.0, 0.4, SD)
    one = _study(draw, 0.4, 6, b=30, n_jobs=1)
    two = _study(draw, 0.4, 6, b=30, n_jobs=2)
    assert one == two and one["alpha"][0.95]["k"] == 6


def test_width_factor_and_calibrated_width():
    assert width_factor(0.95, 0.95) == pytest.approx(1.0)
    assert width_factor(0.95, 0.6827) == pytest.approx(1.96, rel=1e-3)  # a 1-SE interval sold as 95%
    assert np.isnan(width_factor(0.95, 1.0))
    assert not shortfall(0.95, 0.9, 0.03) and shortfall(0.95, 0.8, 0.03)
    rows = add_calibrated_width([{"quantity": "alpha", "ci_level": 0.95, "replicated_width": 0.1}],
                                [{"quantity": "alpha", "nominal": 0.95, "coverage": 0.6827, "coverage_mcse": 0.01,
                                  "shortfall": True, "width_factor": width_factor(0.95, 0.6827)}])
    assert rows[0]["calibrated_width"] == pytest.approx(0.196, rel=1e-3)
