"""Fitting objectives: sums of a loss of the residuals, with analytic gradients, batched over fits.

Every objective takes parameters ``theta`` (K, p) and per-point weights ``w`` (K, n) or (n,), so the
same code serves a multi-start search (one weight vector, many starts) and a bootstrap (one weight
vector per resample, as counts of how often each point was drawn). The targets ``y`` (and the law's
input columns) are (n,), shared by every row, or (K, n), one data set per row (points perturbed
within their errors, uncertainty/point_errors.py).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.special import ndtr

from ..laws.base import Inputs, Law


def _weighted_sum(c: np.ndarray, dr: np.ndarray) -> np.ndarray:
    """sum_n c[k, n] dr[k, n, :] for every row k (a batched matrix-vector product)."""
    return np.matmul(c[:, None, :], dr)[:, 0, :]


def _curvature(omega: np.ndarray, dr: np.ndarray) -> np.ndarray:
    """sum_n omega[k, n] dr[k, n, :] dr[k, n, :]^T for every row k, as (K, p, p)."""
    return np.matmul(dr.transpose(0, 2, 1) * omega[:, None, :], dr)


def huber(r: np.ndarray, delta: float) -> np.ndarray:
    """Huber loss: r^2/2 inside |r| <= delta, delta (|r| - delta/2) outside."""
    ar = np.abs(r)
    return np.where(ar <= delta, 0.5 * r * r, delta * (ar - 0.5 * delta))


def huber_psi(r: np.ndarray, delta: float) -> np.ndarray:
    """Derivative of the Huber loss: r clipped to [-delta, delta]."""
    return np.clip(r, -delta, delta)


def huber_log_normaliser(delta: float) -> float:
    """log of the integral of exp(-huber(x)) over the real line (the Huber density's constant)."""
    z = np.sqrt(2 * np.pi) * (2 * ndtr(delta) - 1) + 2 * np.exp(-0.5 * delta * delta) / delta
    return float(np.log(z))


def profiled_huber(r: np.ndarray, w: np.ndarray, delta: float) -> tuple[np.ndarray, np.ndarray]:
    """The maximum-likelihood log scale s of a Huber(delta) density for residuals r (K, n), per row, and
    sum w huber(r e^-s, delta) there (K,), both exact (no iteration tolerance).

    s solves sum w min(u^2, delta u) = sum w with u = |r| e^-s. For a fixed split of the points into those
    inside the quadratic zone (u <= delta) and outside it, that is a quadratic in t = e^-s, solved in closed form
    from three sums. Starting from the split of the Laplace limit (every point outside, t0 = sum w / (delta sum
    w|r|)), each solve can only move points out of the zone and never overshoots the root, so re-splitting at
    the new t until no point leaves gives the exact root after a few rounds (at most one per point inside at
    t0). Only the points inside at t0 are revisited (few for a small delta), and a row's numbers are sums over
    its own points in a fixed order: they never depend on the rows solved with it.
    """
    K = r.shape[0]
    W = w.sum(1)
    ar = np.abs(r)
    wa = w * ar
    b_all = wa.sum(1)
    t = 1.0 / np.maximum(delta * b_all / W, 1e-300)
    flat = np.flatnonzero(ar <= (delta / t)[:, None])  # a superset of the points inside at the root
    rows = flat // r.shape[1]
    a_in, wa_in = ar.ravel()[flat], wa.ravel()[flat]
    w_in = w.reshape(-1)[flat] if w.flags.c_contiguous else w[rows, flat % r.shape[1]]
    wa2_in = wa_in * a_in
    for _ in range(rows.size + 1):
        A = np.bincount(rows, weights=wa2_in, minlength=K)
        B = b_all - np.bincount(rows, weights=wa_in, minlength=K)
        db = delta * B
        with np.errstate(divide="ignore", invalid="ignore"):
            t = 2.0 * W / (db + np.sqrt(db * db + 4.0 * A * W))
            stay = a_in * t[rows] <= delta
        if stay.all():
            break
        rows, a_in, w_in, wa_in, wa2_in = rows[stay], a_in[stay], w_in[stay], wa_in[stay], wa2_in[stay]
    W_out = W - np.bincount(rows, weights=w_in, minlength=K)
    with np.errstate(over="ignore", invalid="ignore"):
        total = 0.5 * t * t * A + delta * t * B - 0.5 * delta * delta * W_out
    degenerate = (A == 0) & (B == 0)  # every residual zero: the likelihood grows without bound as the scale shrinks
    t = np.where(degenerate, 1e300, t)
    return -np.log(t), np.where(degenerate, 0.0, total)


def profile_log_scale(r: np.ndarray, w: np.ndarray, delta: float) -> np.ndarray:
    """The maximum-likelihood log scale s of a Huber(delta) density for residuals r (K, n), per row: the root of
    sum w psi(u) u = sum w with u = r e^-s (profiled_huber)."""
    return profiled_huber(r, w, delta)[0]


@dataclass(frozen=True)
class Objective:
    """A named fitting criterion on residuals of log y (space='log') or of y (space='linear')."""

    name: str
    description: str
    space: str = "log"  # residuals on log y ("log") or on y ("linear")
    delta: float | None = None

    def residuals(self, law: Law, theta: np.ndarray, X: Inputs, y: np.ndarray):
        """Residuals (K, n) and d residual / d theta (K, n, p); ``y`` (n,) shared or (K, n) per row."""
        logf, jac = law.log_jacobian(theta, X)
        if self.space == "log":
            return np.log(y) - logf, -jac
        f = np.exp(logf)
        return y - f, -f[..., None] * jac

    def _terms(self, r: np.ndarray, w: np.ndarray):
        """Objective (K,), the gradient weights c (K, n) with gradient = sum_n c dr, the scaled residuals u and
        the scale (K, 1) (1 unless the scale is profiled out)."""
        if self.name == "squared":
            return 0.5 * (w * r * r).sum(1), w * r, r, np.ones((r.shape[0], 1))
        if self.name == "huber":
            return (w * huber(r, self.delta)).sum(1), w * huber_psi(r, self.delta), r, np.ones((r.shape[0], 1))
        if self.name == "huber_likelihood":
            s, f = self._profiled(r, w)
            scale = np.exp(s)[:, None]
            u = r / scale
            # envelope theorem: at the profiled scale the derivative in s vanishes
            return f, w * huber_psi(u, self.delta) / scale, u, scale
        raise ValueError(f"objective '{self.name}' has no implementation")

    def value_grad(self, law: Law, theta: np.ndarray, X: Inputs, y: np.ndarray, w: np.ndarray):
        """Objective (K,) and gradient (K, p) at each row of theta."""
        theta = np.atleast_2d(theta)
        w = np.broadcast_to(w, (theta.shape[0], y.shape[-1]))
        r, dr = self.residuals(law, theta, X, y)
        f, c, _, _ = self._terms(r, w)
        return f, _weighted_sum(c, dr)

    def value_grad_curvature(self, law: Law, theta: np.ndarray, X: Inputs, y: np.ndarray, w: np.ndarray):
        """Objective (K,), gradient (K, p), and two curvature matrices (K, p, p): majoriser and Newton.

        The majoriser replaces each loss by the parabola through the current residual with the same slope
        (weights psi(r)/r, the IRLS weights): J^T diag(w psi(r)/r) J, positive semi-definite, a step on it
        never overshoots a linear model. The Newton matrix uses the loss's own second derivative psi'(r)
        (1 inside the Huber zone, 0 outside), the Gauss-Newton Hessian of the piecewise-quadratic loss: it
        converges in a few steps once the residuals inside the zone are settled. Both are exact for least
        squares.
        """
        theta = np.atleast_2d(theta)
        w = np.broadcast_to(w, (theta.shape[0], y.shape[-1]))
        r, dr = self.residuals(law, theta, X, y)
        f, c, u, scale = self._terms(r, w)
        g = _weighted_sum(c, dr)
        if self.name == "squared":
            H = _curvature(w, dr)
            return f, g, H, H
        au = np.abs(u)
        inside = au <= self.delta
        omega_mm = w * np.where(inside, 1.0, self.delta / np.maximum(au, 1e-300)) / scale**2
        # with a free scale the profiled Hessian is not piecewise quadratic; Newton trials do not pay there
        if self.name != "huber":
            H = _curvature(omega_mm, dr)
            return f, g, H, H
        return f, g, _curvature(omega_mm, dr), _curvature(w * inside, dr)

    def value(self, law: Law, theta: np.ndarray, X: Inputs, y: np.ndarray, w: np.ndarray) -> np.ndarray:
        """Objective (K,) alone, without the Jacobian: the same numbers as value_grad's first output (the law's
        log_predict is its log_jacobian's log f), at a fraction of the cost, for line-search trials."""
        theta = np.atleast_2d(np.asarray(theta, dtype=float))
        w = np.broadcast_to(w, (theta.shape[0], y.shape[-1]))
        logf = law.log_predict(theta, X)
        r = np.log(y) - logf if self.space == "log" else y - np.exp(logf)
        if self.name == "huber_likelihood":  # the sums of the profiled scale give the value without u or psi
            return self._profiled(r, w)[1]
        return self._terms(r, w)[0]

    def _profiled(self, r: np.ndarray, w: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The profiled log scale s (K,) and the negative log-likelihood there (K,), for huber_likelihood."""
        s, total = profiled_huber(r, w, self.delta)
        return s, total + w.sum(1) * (s + huber_log_normaliser(self.delta))


def huber_log(delta: float = 1e-3) -> Objective:
    """Hoffmann et al.'s criterion: sum of Huber(delta) of log y - log f."""
    return Objective("huber", f"sum of Huber(delta={delta:g}) losses of log-residuals", "log", delta)


def squared(space: str = "log") -> Objective:
    """Least squares on log residuals (space='log') or raw residuals (space='linear')."""
    what = "log-residuals" if space == "log" else "residuals"
    return Objective("squared", f"sum of squared {what} / 2", space)


def huber_likelihood(delta: float = 1e-3) -> Objective:
    """Besiroglu et al.'s maximum likelihood: log-residuals follow a Huber(delta) density with free scale."""
    return Objective(
        "huber_likelihood",
        f"negative log-likelihood of log-residuals under a Huber(delta={delta:g}) density with free scale sigma "
        "(sigma profiled out at its maximum-likelihood value)",
        "log",
        delta,
    )


OBJECTIVES = {"huber": huber_log, "squared": squared, "huber_likelihood": huber_likelihood}


def make_objective(spec: dict) -> Objective:
    """Build an objective from metadata, e.g. {'name': 'huber', 'delta': 1e-3}."""
    spec = dict(spec)
    name = spec.pop("name")
    if name not in OBJECTIVES:
        raise KeyError(f"unknown objective '{name}'; known: {', '.join(sorted(OBJECTIVES))}")
    return OBJECTIVES[name](**spec)
