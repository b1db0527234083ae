"""Perturbation within digitisation error inside the bootstrap, on a synthetic Chinchilla law with known answer."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from replication.fitting.multistart import fit_multistart
from replication.fitting.objectives import make_objective
from replication.fitting.starts import start_grid
from replication.laws.base import get_law
from replication.uncertainty.bootstrap import bootstrap_fit
from replication.uncertainty.intervals import percentile_interval
from replication.uncertainty.perturb import KIND_PERTURB, KIND_PERTURB_BOOT, perturbation_refits
from replication.uncertainty.point_errors import PointErrors, frame_errors, perturbed

AXES = {"a": {"start": 0, "stop": 10, "step": 5}, "b": {"start": 0, "stop": 10, "step": 5},
        "e": {"start": 0, "stop": 1, "step": 0.5}, "alpha": {"start": 0, "stop": 1, "step": 0.5},
        "beta": {"start": 0, "stop": 1, "step": 0.5}}
TRUE_ALPHA = 0.34


def _setup(noise: float = 0.01):
    """60 points of a known Chinchilla law with multiplicative noise, its start grid and point estimate."""
    law = get_law("chinchilla")
    rng = np.random.default_rng(0)
    N = 10 ** rng.uniform(7, 10, 60)
    D = 10 ** rng.uniform(9, 11, 60)
    theta = np.log([400.0, 1500.0, 1.8]).tolist() + [TRUE_ALPHA, 0.37]
    X = {"N": N, "D": D}
    y = law.predict(np.array(theta), X) * np.exp(rng.normal(0.0, noise, N.size))
    obj = make_objective({"name": "huber", "delta": 1e-3})
    grid = start_grid(law.params, AXES)
    return law, obj, X, y, grid, fit_multistart(law, obj, X, y, grid)


def _zero(X, y) -> PointErrors:
    return PointErrors({k: np.zeros_like(v) for k, v in X.items()}, np.zeros_like(y))


def test_perturbed_stays_within_errors_and_positive():
    rng = np.random.default_rng(1)
    v = np.array([1.0, 2.0, 3.0])
    out = perturbed(v, np.array([0.5, 0.0, 10.0]), rng, positive=True)
    assert abs(out[0] - 1.0) <= 0.5 and out[1] == 2.0 and out[2] >= 0.3
    assert np.array_equal(perturbed(v, None, rng, positive=False), v)


@pytest.mark.parametrize("outlier_sd", [8.0, 0.5])  # 0.5: most replicates go through the safeguard's grid refits
def test_zero_error_equals_the_plain_bootstrap_replicate_for_replicate(outlier_sd):
    law, obj, X, y, grid, point = _setup()
    plain = bootstrap_fit(law, obj, X, y, point, grid, n_boot=40, seed=4, outlier_sd=outlier_sd)
    zero = bootstrap_fit(law, obj, X, y, point, grid, n_boot=40, seed=4, outlier_sd=outlier_sd, errors=_zero(X, y))
    assert plain.n_grid_refits == zero.n_grid_refits and (outlier_sd > 1 or zero.n_grid_refits > 0)
    assert np.array_equal(plain.theta, zero.theta) and np.array_equal(plain.fun, zero.fun)
    assert zero.description.startswith(KIND_PERTURB_BOOT)


def test_zero_error_alone_gives_the_point_estimate():
    law, obj, X, y, grid, point = _setup()
    alone = perturbation_refits(law, obj, X, y, point, grid, errors=_zero(X, y), n=5, seed=3)
    assert alone.description.startswith(KIND_PERTURB) and "bootstrap" not in alone.description
    np.testing.assert_allclose(alone.theta, np.repeat(point.theta[None, :], 5, axis=0), atol=1e-6)


def test_large_errors_widen_the_interval():
    law, obj, X, y, grid, point = _setup(noise=0.002)
    alpha = law.params.index("alpha")

    def width(errors: PointErrors | None) -> float:
        boot = perturbation_refits(law, obj, X, y, point, grid, errors=errors, n=60, seed=3, with_bootstrap=True)
        return float(np.diff(percentile_interval(boot.theta[:, alpha], 0.9))[0])

    plain = width(None)
    small = width(PointErrors({"N": 0.002 * X["N"]}, 0.002 * y))
    large = width(PointErrors({"N": 0.05 * X["N"], "D": 0.05 * X["D"]}, 0.05 * y))
    assert large > 2 * plain and large > small
    boot = perturbation_refits(law, obj, X, y, point, grid, errors=PointErrors({"N": 0.01 * X["N"]}, 0.01 * y), n=60,
                               seed=3)
    lo, hi = percentile_interval(boot.theta[:, alpha], 0.99)
    assert lo < TRUE_ALPHA < hi  # the true exponent is inside the perturbation interval


def test_deterministic_and_independent_of_the_workers():
    law, obj, X, y, grid, point = _setup()
    errors = PointErrors({"N": 0.02 * X["N"]}, 0.01 * y)
    kw = dict(n_boot=30, seed=9, errors=errors, outlier_sd=2.0)
    a = bootstrap_fit(law, obj, X, y, point, grid, **kw)
    b = bootstrap_fit(law, obj, X, y, point, grid, **kw)
    two = bootstrap_fit(law, obj, X, y, point, grid, n_jobs=2, **kw)
    assert a.theta.tobytes() == b.theta.tobytes() == two.theta.tobytes()
    assert a.fun.tobytes() == two.fun.tobytes() and a.n_grid_refits == two.n_grid_refits
    plain = bootstrap_fit(law, obj, X, y, point, grid, n_boot=30, seed=9, outlier_sd=2.0)
    assert not np.array_equal(plain.theta, a.theta)


def test_frame_errors_reads_the_err_columns():
    frame = pd.DataFrame({"x": [1.0, 2.0], "x_err": [0.1, np.nan], "loss": [3.0, 4.0], "loss_err": [0.0, 0.2],
                          "other_err": [9.0, 9.0]})
    errors = frame_errors(frame, {"N": "x"}, "loss")
    assert errors.columns == ("x_err", "loss_err")
    np.testing.assert_array_equal(errors.inputs["N"], [0.1, 0.0])  # a missing error counts as zero
    np.testing.assert_array_equal(errors.target, [0.0, 0.2])
    assert frame_errors(frame.drop(columns=["x_err", "loss_err"]), {"N": "x"}, "loss") is None
    assert frame_errors(frame.assign(x_err=0.0, loss_err=0.0), {"N": "x"}, "loss") is None  # all zero: none recorded
