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


def profile_log_scale(r: np.ndarray, w: np.ndarray, delta: float, iters: int = 50) -> np.ndarray:
    """The maximum-likelihood log scale s of a Huber(delta) density for residuals r (K, n), per row.

    Solves sum w psi(u) u = sum w with u = r e^-s; the left side decreases monotonically in s, so
    Newton's method from the Laplace-limit guess converges (with bisection-style damping).
    """
    wsum = w.sum(1)
    ar = np.abs(r)
    mean_abs = (w * ar).sum(1) / wsum
    s = np.log(np.maximum(delta * mean_abs, 1e-300))
    for _ in range(iters):
        u = ar * np.exp(-s)[:, None]
        inside = u <= delta
        h = (w * np.where(inside, u * u, delta * u)).sum(1) - wsum
        dh = -(w * np.where(inside, 2 * u * u, delta * u)).sum(1)
        step = np.clip(h / np.where(dh < 0, dh, -1.0), -2.0, 2.0)
        s = s - step
        if np.all(np.abs(step) < 1e-13):
            break
    return s


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
            s = profile_log_scale(r, w, self.delta)
            scale = np.exp(s)[:, None]
            u = r / scale
            f = (w * huber(u, self.delta)).sum(1) + w.sum(1) * (s + huber_log_normaliser(self.delta))
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
        return self._terms(r, w)[0]


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
