"""The law registry and each built-in law's prediction, Jacobian and natural parameters."""

import dataclasses

import numpy as np
import pytest

from replication.laws import Law, get_law, known_laws, register
from replication.laws.base import _REGISTRY, logsumexp_terms

BUILTIN = ["chinchilla", "power_law", "power_law_offset", "compute_optimal"]


def _inputs(name):
    if name == "chinchilla":
        N = np.array([1e7, 3e7, 1e8, 5e8, 2e9, 1e10])
        D = np.array([1e8, 1e11, 3e9, 2e10, 5e8, 1e11])
        return {"N": N, "D": D}
    if name == "compute_optimal":
        return {"C": np.array([1e18, 3e19, 1e21, 6e22, 1e24])}
    return {"x": np.array([0.5, 1.0, 7.0, 1e3, 2.5e6])}


# Two parameter rows per law, in each law's fit parametrisation.
THETA = {
    "chinchilla": np.array(
        [
            [np.log(400.0), np.log(2000.0), np.log(1.8), 0.34, 0.36],
            [np.log(10.0), np.log(50.0), np.log(0.5), 0.1, 0.7],
        ]
    ),
    "power_law": np.array([[np.log(3.0), 0.25], [np.log(0.2), -0.5]]),
    "power_law_offset": np.array([[np.log(3.0), np.log(0.7), 0.25], [np.log(20.0), np.log(2.0), 1.2]]),
    "compute_optimal": np.array([[np.log(0.1), 0.5], [np.log(3.0), 0.45]]),
}


def _direct(name, theta, X):
    """f evaluated straight from the paper's formula, one row of theta at a time."""
    out = []
    for t in theta:
        if name == "chinchilla":
            A, B, E, alpha, beta = np.exp(t[0]), np.exp(t[1]), np.exp(t[2]), t[3], t[4]
            out.append(E + A * X["N"] ** -alpha + B * X["D"] ** -beta)
        elif name == "power_law":
            out.append(np.exp(t[0]) * X["x"] ** -t[1])
        elif name == "power_law_offset":
            out.append(np.exp(t[1]) + np.exp(t[0]) * X["x"] ** -t[2])
        elif name == "compute_optimal":
            out.append(np.exp(t[0]) * X["C"] ** t[1])
    return np.array(out)


def test_builtin_laws_are_registered():
    assert set(BUILTIN) <= set(known_laws())
    for name in BUILTIN:
        law = get_law(name)
        assert law.name == name
        assert law.n_params == THETA[name].shape[1]


@pytest.mark.parametrize("name", BUILTIN)
def test_log_predict_matches_direct_formula(name):
    law, X, theta = get_law(name), _inputs(name), THETA[name]
    logf = law.log_predict(theta, X)
    n = len(next(iter(X.values())))
    assert logf.shape == (theta.shape[0], n)
    np.testing.assert_allclose(logf, np.log(_direct(name, theta, X)), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("name", BUILTIN)
def test_predict_single_vector_and_batch(name):
    law, X, theta = get_law(name), _inputs(name), THETA[name]
    expected = _direct(name, theta, X)
    np.testing.assert_allclose(law.predict(theta[1], X), expected[1], rtol=1e-12)
    assert law.predict(theta[1], X).ndim == 1
    np.testing.assert_allclose(law.predict(theta, X), expected, rtol=1e-12)


def test_chinchilla_known_value():
    law = get_law("chinchilla")
    theta = np.array([np.log(400.0), np.log(2000.0), np.log(1.8), 0.5, 0.5])
    X = {"N": np.array([1e4]), "D": np.array([1e6])}
    # 1.8 + 400/100 + 2000/1000 = 7.8
    np.testing.assert_allclose(law.predict(theta, X), [7.8], rtol=1e-13)


def test_chinchilla_log_predict_stable_for_huge_terms():
    """The log-sum-exp form must stay finite where A N^-alpha overflows a float."""
    law = get_law("chinchilla")
    theta = np.array([[800.0, 0.0, 0.0, 0.0, 0.0]])
    X = {"N": np.array([10.0]), "D": np.array([10.0])}
    logf = law.log_predict(theta, X)
    assert np.isfinite(logf).all()
    np.testing.assert_allclose(logf, [[800.0]], rtol=1e-14)


def _central_differences(law, theta, X, h=1e-6):
    K, p = theta.shape
    n = len(next(iter(X.values())))
    jac = np.empty((K, n, p))
    for j in range(p):
        up, dn = theta.copy(), theta.copy()
        up[:, j] += h
        dn[:, j] -= h
        jac[..., j] = (law.log_predict(up, X) - law.log_predict(dn, X)) / (2 * h)
    return jac


@pytest.mark.parametrize("name", BUILTIN)
def test_analytic_jacobian_matches_finite_differences(name):
    law, X, theta = get_law(name), _inputs(name), THETA[name]
    assert law.log_jacobian_fn is not None, "every built-in law should carry an analytic Jacobian"
    logf, jac = law.log_jacobian(theta, X)
    n = len(next(iter(X.values())))
    assert jac.shape == (theta.shape[0], n, law.n_params)
    np.testing.assert_allclose(logf, law.log_predict(theta, X), rtol=1e-14)
    np.testing.assert_allclose(jac, _central_differences(law, theta, X), rtol=1e-6, atol=1e-7)


def test_numeric_jacobian_fallback_matches_analytic():
    """A law registered without a Jacobian gets central differences from Law.log_jacobian."""
    chin = get_law("chinchilla")
    bare = dataclasses.replace(chin, name="chinchilla_no_jac_test", log_jacobian_fn=None)
    X, theta = _inputs("chinchilla"), THETA["chinchilla"]
    _, numeric = bare.log_jacobian(theta, X)
    _, analytic = chin.log_jacobian(theta, X)
    np.testing.assert_allclose(numeric, analytic, rtol=1e-6, atol=1e-8)


def test_natural_params_chinchilla():
    law = get_law("chinchilla")
    nat = law.natural_params(THETA["chinchilla"][0])
    assert set(nat) == {"A", "B", "E", "alpha", "beta"}
    np.testing.assert_allclose(nat["A"], 400.0, rtol=1e-12)
    np.testing.assert_allclose(nat["B"], 2000.0, rtol=1e-12)
    np.testing.assert_allclose(nat["E"], 1.8, rtol=1e-12)
    assert nat["alpha"] == pytest.approx(0.34)
    assert nat["beta"] == pytest.approx(0.36)
    # rows of theta map to arrays of constants
    batch = law.natural_params(THETA["chinchilla"])
    np.testing.assert_allclose(batch["A"], [400.0, 10.0], rtol=1e-12)
    np.testing.assert_allclose(batch["E"], [1.8, 0.5], rtol=1e-12)


def test_natural_params_power_laws():
    pl = get_law("power_law").natural_params(np.array([np.log(3.0), 0.25]))
    assert set(pl) == {"A", "alpha"}
    assert pl["A"] == pytest.approx(3.0) and pl["alpha"] == pytest.approx(0.25)

    plo = get_law("power_law_offset").natural_params(np.array([np.log(3.0), np.log(0.7), 0.25]))
    assert set(plo) == {"A", "E", "alpha"}
    assert plo["A"] == pytest.approx(3.0)
    assert plo["E"] == pytest.approx(0.7)
    assert plo["alpha"] == pytest.approx(0.25)

    co = get_law("compute_optimal").natural_params(np.array([np.log(0.1), 0.5]))
    assert set(co) == {"k", "a"}
    assert co["k"] == pytest.approx(0.1) and co["a"] == pytest.approx(0.5)


def test_natural_params_default_is_identity():
    law = Law(
        name="identity_natural_test",
        params=("p", "q"),
        inputs=("x",),
        formula="y = p + q x",
        log_predict=lambda t, X: np.log(t[:, :1] + t[:, 1:2] * np.asarray(X["x"])),
    )
    nat = law.natural_params(np.array([2.0, 5.0]))
    assert nat == {"p": 2.0, "q": 5.0}


def test_register_duplicate_name_is_an_error():
    chin = get_law("chinchilla")
    with pytest.raises(ValueError, match="chinchilla"):
        register(dataclasses.replace(chin))
    # the registered law is untouched
    assert get_law("chinchilla") is chin


def test_register_new_law_then_lookup():
    name = "test_tmp_law_registered"
    law = dataclasses.replace(get_law("power_law"), name=name)
    try:
        assert register(law) is law
        assert get_law(name) is law
        assert name in known_laws()
        with pytest.raises(ValueError):
            register(dataclasses.replace(law))
    finally:
        _REGISTRY.pop(name, None)
    assert name not in known_laws()


def test_get_law_unknown_name_lists_known_laws():
    with pytest.raises(KeyError) as info:
        get_law("no_such_law")
    msg = str(info.value)
    assert "no_such_law" in msg
    for name in BUILTIN:
        assert name in msg


def test_logsumexp_terms_weights():
    t = [np.array([0.0, 1000.0]), np.array([np.log(3.0), 1000.0])]
    lse, w = logsumexp_terms(t)
    np.testing.assert_allclose(lse, [np.log(4.0), 1000.0 + np.log(2.0)], rtol=1e-14)
    np.testing.assert_allclose(w, [[0.25, 0.75], [0.5, 0.5]], rtol=1e-14)


def test_logsumexp_terms_agrees_with_scipy_and_each_row_alone():
    """Rows with an extreme term (shifted by their maximum) beside ordinary ones (exponentials summed directly): the
    same numbers as scipy's logsumexp, and a row's numbers are bitwise those it gets when evaluated on its own."""
    from scipy.special import logsumexp

    rng = np.random.default_rng(3)
    terms = [rng.normal(0, 200, (8, 5)), rng.normal(0, 200, (8, 1)), rng.normal(0, 200, (5,))]
    terms[0][2, 1] = 900.0  # overflows exp unless shifted
    terms[1][5, 0] = -1500.0  # with the others also far below -700 somewhere, underflows unless shifted
    terms[0][5], terms[2][:] = -1200.0, terms[2] - 800.0
    lse, w = logsumexp_terms(terms)
    full = np.stack(np.broadcast_arrays(*terms), axis=-1)
    np.testing.assert_allclose(lse, logsumexp(full, axis=-1), rtol=1e-13)
    np.testing.assert_allclose(w, np.exp(full - logsumexp(full, axis=-1, keepdims=True)), rtol=1e-12, atol=1e-280)  # shares below 1e-280 may underflow
    for r in range(8):
        alone, w_alone = logsumexp_terms([np.broadcast_to(t, (8, 5))[r:r + 1] for t in terms])
        np.testing.assert_array_equal(alone[0], lse[r])
        np.testing.assert_array_equal(w_alone[0], w[r])
        np.testing.assert_array_equal(logsumexp_terms([np.broadcast_to(t, (8, 5))[r:r + 1] for t in terms],
                                                      weights=False)[0][0], lse[r])
