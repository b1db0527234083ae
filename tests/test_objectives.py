"""Fitting objectives: Huber loss, profiled scale, and analytic gradients against finite differences."""

import numpy as np
import pytest

from replication.fitting.objectives import (
    Objective,
    huber,
    huber_likelihood,
    huber_log,
    huber_log_normaliser,
    huber_psi,
    make_objective,
    profile_log_scale,
    profiled_huber,
    squared,
)
from replication.laws import get_law


def test_huber_values_inside_and_outside_delta():
    delta = 1.0
    r = np.array([0.0, 0.5, -0.5, 1.0, 3.0, -3.0])
    expected = np.array([0.0, 0.125, 0.125, 0.5, 2.5, 2.5])  # r^2/2 inside, delta(|r| - delta/2) outside
    np.testing.assert_allclose(huber(r, delta), expected, rtol=1e-15)


def test_huber_small_delta():
    delta = 1e-3
    np.testing.assert_allclose(huber(np.array([5e-4]), delta), [1.25e-7], rtol=1e-12)
    np.testing.assert_allclose(huber(np.array([-0.1]), delta), [1e-3 * (0.1 - 5e-4)], rtol=1e-12)


def test_huber_continuous_at_delta():
    delta = 0.3
    eps = 1e-9
    r = np.array([delta - eps, delta + eps])
    v = huber(r, delta)
    assert abs(v[1] - v[0]) < 1e-8


def test_huber_psi_is_clipped_residual_and_derivative():
    delta = 1.0
    r = np.array([-3.0, -1.0, -0.25, 0.0, 0.7, 2.0])
    np.testing.assert_allclose(huber_psi(r, delta), [-1.0, -1.0, -0.25, 0.0, 0.7, 1.0])
    # psi is the derivative of huber (away from the kinks)
    r = np.array([-2.3, -0.4, 0.1, 0.9, 1.7])
    h = 1e-7
    fd = (huber(r + h, delta) - huber(r - h, delta)) / (2 * h)
    np.testing.assert_allclose(huber_psi(r, delta), fd, rtol=1e-6, atol=1e-9)


def test_huber_log_normaliser_matches_numerical_integral():
    from scipy.integrate import quad

    for delta in (0.1, 1.0, 2.5):
        val, _ = quad(lambda x: np.exp(-huber(np.array(x), delta)), -np.inf, np.inf, points=None, limit=200)
        assert huber_log_normaliser(delta) == pytest.approx(np.log(val), rel=1e-7)


# --- a small synthetic chinchilla problem for gradient checks -----------------------------------

def _problem(seed=0, n=25):
    rng = np.random.default_rng(seed)
    N = 10 ** rng.uniform(7, 10, n)
    D = 10 ** rng.uniform(8, 11, n)
    X = {"N": N, "D": D}
    law = get_law("chinchilla")
    truth = np.array([np.log(400.0), np.log(2000.0), np.log(1.8), 0.34, 0.36])
    y = law.predict(truth, X) * np.exp(rng.normal(0, 0.02, n))
    # evaluation points away from the truth so residuals are not tiny
    theta = np.array(
        [
            [np.log(300.0), np.log(1500.0), np.log(1.5), 0.30, 0.40],
            [np.log(600.0), np.log(2500.0), np.log(2.0), 0.37, 0.33],
            [np.log(50.0), np.log(900.0), np.log(1.0), 0.2, 0.3],
        ]
    )
    w = rng.integers(0, 3, size=(theta.shape[0], n)).astype(float)
    w[:, 0] = 1.0
    return law, X, y, theta, w


def _fd_grad(obj, law, theta, X, y, w, h=1e-6):
    K, p = theta.shape
    g = np.empty((K, p))
    for j in range(p):
        up, dn = theta.copy(), theta.copy()
        up[:, j] += h
        dn[:, j] -= h
        g[:, j] = (obj.value(law, up, X, y, w) - obj.value(law, dn, X, y, w)) / (2 * h)
    return g


@pytest.mark.parametrize(
    "obj",
    [huber_log(1e-3), huber_log(0.05), squared("log"), squared("linear"), huber_likelihood(1e-3), huber_likelihood(0.5)],
    ids=["huber-1e-3", "huber-0.05", "squared-log", "squared-linear", "hlik-1e-3", "hlik-0.5"],
)
def test_value_grad_matches_finite_differences(obj):
    law, X, y, theta, w = _problem()
    f, g = obj.value_grad(law, theta, X, y, w)
    assert f.shape == (theta.shape[0],)
    assert g.shape == theta.shape
    fd = _fd_grad(obj, law, theta, X, y, w)
    scale = np.abs(fd).max(axis=1, keepdims=True)
    np.testing.assert_allclose(g, fd, rtol=1e-5, atol=1e-6 * scale.max())


def test_value_grad_shared_weight_vector_broadcasts():
    law, X, y, theta, W = _problem()
    obj = huber_log(1e-3)
    w = W[1]
    f1, g1 = obj.value_grad(law, theta, X, y, w)
    f2, g2 = obj.value_grad(law, theta, X, y, np.tile(w, (theta.shape[0], 1)))
    np.testing.assert_array_equal(f1, f2)
    np.testing.assert_array_equal(g1, g2)


def test_squared_values_log_and_linear():
    law = get_law("power_law")
    X = {"x": np.array([1.0, 2.0, 4.0])}
    theta = np.array([[0.0, 1.0]])  # f = 1/x
    y = np.array([2.0, 0.5, 0.25])
    w = np.ones(3)
    # log residuals: log 2, 0, 0
    assert squared("log").value(law, theta, X, y, w)[0] == pytest.approx(0.5 * np.log(2.0) ** 2)
    # linear residuals: 1, 0, 0
    assert squared("linear").value(law, theta, X, y, w)[0] == pytest.approx(0.5)


def test_huber_value_known_point():
    law = get_law("power_law")
    X = {"x": np.array([1.0, 1.0])}
    theta = np.array([[0.0, 0.3]])  # f = 1
    y = np.exp(np.array([0.0005, -0.2]))  # log residuals 5e-4 (inside) and -0.2 (outside)
    val = huber_log(1e-3).value(law, theta, X, y, np.ones(2))[0]
    assert val == pytest.approx(0.5 * 5e-4**2 + 1e-3 * (0.2 - 5e-4), rel=1e-10)


@pytest.mark.parametrize("delta", [1e-3, 0.1, 1.0, 5.0])
def test_profile_log_scale_solves_estimating_equation(delta):
    rng = np.random.default_rng(3)
    r = rng.normal(0, 0.05, size=(4, 30))
    r[1] *= 20  # a very different scale on one row
    r[2, :3] = 1.5  # outliers on another
    w = rng.integers(0, 4, size=r.shape).astype(float)
    w[:, :2] = 1.0
    s = profile_log_scale(r, w, delta)
    assert s.shape == (4,)
    u = r * np.exp(-s)[:, None]
    lhs = (w * huber_psi(u, delta) * u).sum(1)
    np.testing.assert_allclose(lhs, w.sum(1), rtol=1e-9)


def test_profile_log_scale_large_delta_is_rms():
    """With delta larger than every scaled residual the Huber density is Gaussian: sigma^2 = mean r^2."""
    rng = np.random.default_rng(4)
    r = rng.normal(0, 0.3, size=(2, 50))
    w = np.ones_like(r)
    s = profile_log_scale(r, w, delta=100.0)
    np.testing.assert_allclose(np.exp(s), np.sqrt((r * r).mean(1)), rtol=1e-10)


def test_profile_log_scale_maximises_likelihood():
    """The profiled s is the minimiser over s of the Huber negative log-likelihood."""
    rng = np.random.default_rng(5)
    delta = 0.5
    r = rng.standard_t(3, size=(1, 40)) * 0.1
    w = np.ones_like(r)

    def nll(s):
        return (huber(r * np.exp(-s), delta)).sum() + r.size * s

    s_hat = profile_log_scale(r, w, delta)[0]
    for ds in (-1e-3, 1e-3, -0.1, 0.1):
        assert nll(s_hat + ds) > nll(s_hat)


def test_huber_likelihood_value_is_profiled_nll():
    law, X, y, theta, w = _problem()
    delta = 0.5
    obj = huber_likelihood(delta)
    r = np.log(y)[None, :] - law.log_predict(theta, X)
    s = profile_log_scale(r, w, delta)
    expected = (w * huber(r * np.exp(-s)[:, None], delta)).sum(1) + w.sum(1) * (s + huber_log_normaliser(delta))
    np.testing.assert_allclose(obj.value(law, theta, X, y, w), expected, rtol=1e-12)
    # and it is the minimum over the scale: a different sigma gives a larger value
    for ds in (-0.05, 0.05):
        s2 = s + ds
        other = (w * huber(r * np.exp(-s2)[:, None], delta)).sum(1) + w.sum(1) * (s2 + huber_log_normaliser(delta))
        assert np.all(other > expected)


@pytest.mark.parametrize(
    "obj",
    [huber_log(1e-3), squared("log"), squared("linear"), huber_likelihood(1e-3)],
    ids=["huber", "squared-log", "squared-linear", "hlik"],
)
def test_weight_two_equals_duplicated_point(obj):
    law, X, y, theta, _ = _problem(seed=1, n=12)
    n = y.shape[0]
    w = np.ones(n)
    w[4] = 2.0
    idx = np.r_[np.arange(n), 4]
    Xd = {k: v[idx] for k, v in X.items()}
    yd = y[idx]
    f1, g1 = obj.value_grad(law, theta, X, y, w)
    f2, g2 = obj.value_grad(law, theta, Xd, yd, np.ones(n + 1))
    np.testing.assert_allclose(f1, f2, rtol=1e-10)
    np.testing.assert_allclose(g1, g2, rtol=1e-9, atol=1e-12)


def test_zero_weight_removes_point():
    law, X, y, theta, _ = _problem(seed=2, n=10)
    obj = huber_log(1e-3)
    w = np.ones(10)
    w[3] = 0.0
    keep = np.arange(10) != 3
    f1, g1 = obj.value_grad(law, theta, X, y, w)
    f2, g2 = obj.value_grad(law, theta, {k: v[keep] for k, v in X.items()}, y[keep], np.ones(9))
    np.testing.assert_allclose(f1, f2, rtol=1e-12)
    np.testing.assert_allclose(g1, g2, rtol=1e-12, atol=1e-15)


def test_make_objective_and_unknown_name():
    obj = make_objective({"name": "huber", "delta": 0.01})
    assert obj.name == "huber" and obj.delta == 0.01 and obj.space == "log"
    assert make_objective({"name": "squared", "space": "linear"}).space == "linear"
    with pytest.raises(KeyError, match="huber_likelihood"):
        make_objective({"name": "nope"})


def test_unimplemented_objective_name_raises():
    law, X, y, theta, w = _problem()
    with pytest.raises(ValueError, match="bogus"):
        Objective("bogus", "no such thing").value_grad(law, theta, X, y, w)


def _root_by_bisection(r: np.ndarray, w: np.ndarray, delta: float) -> float:
    """The root in s of sum w min(u^2, delta u) - sum w, u = |r| e^-s (decreasing in s), by 200 bisections."""
    lo, hi = -50.0, 50.0
    for _ in range(200):
        mid = 0.5 * (lo + hi)
        u = np.abs(r) * np.exp(-mid)
        h = (w * np.minimum(u * u, delta * u)).sum() - w.sum()
        lo, hi = (mid, hi) if h > 0 else (lo, mid)
    return 0.5 * (lo + hi)


@pytest.mark.parametrize("delta", [1e-4, 1e-3, 1e-2, 0.1, 1.0, 10.0])
def test_profiled_huber_is_the_exact_root_and_its_huber_sum(delta):
    """The closed-form split solve gives the root to rounding (no iteration tolerance), whatever share of the
    points lies inside the quadratic zone, and the Huber sum at it."""
    rng = np.random.default_rng(11)
    r = rng.standard_t(2, size=(6, 40)) * np.array([[1e-3], [1e-2], [0.05], [0.3], [1.0], [3.0]])
    w = rng.integers(0, 4, size=r.shape).astype(float)
    w[:, 0] = 1.0
    s, total = profiled_huber(r, w, delta)
    for k in range(r.shape[0]):
        assert s[k] == pytest.approx(_root_by_bisection(r[k], w[k], delta), abs=1e-12)
    direct = (w * huber(r * np.exp(-s)[:, None], delta)).sum(1)
    np.testing.assert_allclose(total, direct, rtol=1e-12)


def test_profiled_huber_row_never_depends_on_its_batch():
    """A row's scale and value are bit for bit the same solved alone or with any other rows (bootstrap chunks of
    any size give the same numbers)."""
    rng = np.random.default_rng(12)
    r = rng.normal(0, 0.02, size=(9, 30)) * rng.uniform(0.1, 10, size=(9, 1))
    r[3, :5] = 1e-7  # many points inside the zone on one row only
    w = rng.integers(0, 3, size=r.shape).astype(float) + (np.arange(30) == 0)
    s, total = profiled_huber(r, w, 1e-3)
    for k in range(r.shape[0]):
        s1, t1 = profiled_huber(r[k:k + 1], w[k:k + 1], 1e-3)
        assert s1[0] == s[k] and t1[0] == total[k]
    s_b, t_b = profiled_huber(r, np.broadcast_to(np.ones(30), r.shape), 1e-3)  # shared weights, a broadcast view
    s_c, t_c = profiled_huber(r, np.ones(r.shape), 1e-3)
    np.testing.assert_array_equal(s_b, s_c)
    np.testing.assert_array_equal(t_b, t_c)


def test_profiled_huber_all_zero_residuals_stay_finite():
    r = np.vstack([np.zeros(10), np.linspace(-0.1, 0.1, 10)])
    s, total = profiled_huber(r, np.ones_like(r), 1e-3)
    assert np.all(np.isfinite(s)) and np.all(np.isfinite(total)) and total[0] == 0.0
    assert s[1] == profiled_huber(r[1:], np.ones((1, 10)), 1e-3)[0][0]
