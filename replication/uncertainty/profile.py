"""Profile intervals for headline exponents and allocations: the criterion minimised with the quantity held fixed.

For a quantity q(theta) (an exponent, the allocation exponent a = beta / (alpha + beta), tokens per parameter at
a compute budget), one parameter is solved from q = v and the others are refitted by the engine, for values v
stepping out from the estimate, each warm-started from the last. The profile P(v) is turned into a deviance

    D(v) = 2 [P(v) - P(v_hat)] x k

and the interval is where D stays below the chi-square(1) quantile of the level. The calibration k:

- the criterion is a negative log-likelihood (huber_likelihood, scale profiled out): k = 1, a profile likelihood
  interval;
- otherwise (Huber or least squares as a plain criterion): k = sum psi'(r) / sum psi(r)^2 at the optimum's
  residuals, the scaling of the drop-in-dispersion (robust likelihood-ratio) test of M-estimators (Schrader and
  Hettmansperger 1980); for least squares it is 1 / sigma_hat^2 (maximum-likelihood residual variance), the
  Gaussian likelihood ratio. For a Huber loss with a tiny threshold, sum psi' counts the few residuals inside
  the quadratic zone, so this calibration is itself noisy; the table says which was used.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np
from scipy.stats import chi2

from ..fitting.engine import minimize_fits
from ..fitting.objectives import Objective, huber_psi
from ..fitting.result import FitResult
from ..laws.base import Inputs, Law

MAX_STEPS = 12  # steps of one step size out from the estimate before an end is declared not reached


@dataclass(frozen=True)
class Eliminator:
    """How q(theta) = v fixes one parameter: its value and its derivatives in the other parameters."""

    param: str
    solve: Callable[[np.ndarray, float], np.ndarray]  # (K, p) full rows (param's column ignored), v -> (K,)
    grad: Callable[[np.ndarray, float], np.ndarray]  # -> (K, p) d param / d theta (param's own column 0)
    bounds: tuple[float, float] = (-np.inf, np.inf)  # values v may take


def _fixed(name: str, params: tuple[str, ...], bounds=(-np.inf, np.inf)) -> Eliminator:
    return Eliminator(name, lambda t, v: np.full(t.shape[0], float(v)), lambda t, v: np.zeros_like(t), bounds)


def _chinchilla(params: tuple[str, ...], settings: dict) -> dict[str, Eliminator]:
    ia, ib, ial, ibe = (params.index(p) for p in ("a", "b", "alpha", "beta"))
    out = {"alpha": _fixed("alpha", params), "beta": _fixed("beta", params)}

    def beta_of(t, v):
        return t[:, ial] * v / (1 - v)

    def beta_grad(t, v):
        g = np.zeros_like(t)
        g[:, ial] = v / (1 - v)
        return g

    out["a_alloc"] = Eliminator("beta", beta_of, beta_grad, (0.0, 1.0))
    for C in settings.get("compute_budgets", ()):
        L = np.log(float(C) / 6.0)

        def b_of(t, v, L=L):
            al, be = t[:, ial], t[:, ibe]
            with np.errstate(all="ignore"):
                return np.log(al) + t[:, ia] - np.log(be) - ((al - be) * L - (al + be) * np.log(v)) / 2

        def b_grad(t, v, L=L):
            g = np.zeros_like(t)
            g[:, ia] = 1.0
            g[:, ial] = 1 / t[:, ial] - (L - np.log(v)) / 2
            g[:, ibe] = -1 / t[:, ibe] + (L + np.log(v)) / 2
            return g

        out[f"tokens_per_param@{float(C):.3g}"] = Eliminator("b", b_of, b_grad, (0.0, np.inf))
    return out


def _chinchilla_tied(params: tuple[str, ...], settings: dict) -> dict[str, Eliminator]:
    ia, ial = params.index("a"), params.index("alpha")
    out = {"alpha": _fixed("alpha", params)}
    for C in settings.get("compute_budgets", ()):
        def b_of(t, v):
            with np.errstate(all="ignore"):
                return t[:, ia] + t[:, ial] * np.log(v)

        def b_grad(t, v):
            g = np.zeros_like(t)
            g[:, ia] = 1.0
            g[:, ial] = np.log(v)
            return g

        out[f"tokens_per_param@{float(C):.3g}"] = Eliminator("b", b_of, b_grad, (0.0, np.inf))
    return out


PROFILED: dict[str, Callable[[tuple[str, ...], dict], dict[str, Eliminator]]] = {
    "chinchilla": _chinchilla,
    "chinchilla_tied": _chinchilla_tied,
    "power_law_offset": lambda params, settings: {"alpha": _fixed("alpha", params)},
    "power_law": lambda params, settings: {"alpha": _fixed("alpha", params)},
}


def profiled_quantities(law: Law, settings: dict) -> dict[str, Eliminator]:
    """The headline quantities of a law that get profile intervals (none for a law not listed in PROFILED)."""
    make = PROFILED.get(law.name)
    return make(law.params, settings) if make else {}


def constrained_law(law: Law, elim: Eliminator, v: float) -> Law:
    """``law`` with ``elim.param`` solved from q = v: its parameters are the others, in order."""
    j = law.params.index(elim.param)
    free = [i for i in range(law.n_params) if i != j]

    def full(theta: np.ndarray) -> np.ndarray:
        theta = np.atleast_2d(np.asarray(theta, dtype=float))
        out = np.zeros((theta.shape[0], law.n_params))
        out[:, free] = theta
        out[:, j] = elim.solve(out, v)
        return out

    def log_jac(theta: np.ndarray, X: Inputs):
        t = full(theta)
        logf, jac = law.log_jacobian(t, X)
        dj = elim.grad(t, v)[:, free]  # (K, p - 1)
        return logf, jac[..., free] + jac[..., j:j + 1] * dj[:, None, :]

    return Law(name=f"{law.name}[{elim.param} from q = {v:.6g}]", params=tuple(law.params[i] for i in free),
               inputs=law.inputs, formula=law.formula, log_predict=lambda theta, X: law.log_predict(full(theta), X),
               log_jacobian_fn=log_jac, natural=None, description=law.description,
               positive_inputs=law.positive_inputs, faces=tuple(f for f in law.faces if f[0] != elim.param))


def calibration(objective: Objective, law: Law, theta: np.ndarray, X: Inputs, y: np.ndarray) -> tuple[float, str]:
    """The factor k of D = 2 dP k and how it was obtained (see the module docstring)."""
    if objective.name == "huber_likelihood":
        return 1.0, "profile likelihood (the criterion is a negative log-likelihood): chi-square(1) on 2 x its rise"
    r, _ = objective.residuals(law, np.atleast_2d(theta), X, y)
    r = r[0]
    if objective.name == "squared":
        k = r.size / float(np.sum(r * r))
        return k, ("profile of the least-squares criterion, chi-square(1) on 2 x its rise / sigma^2, sigma^2 the mean "
                   "squared residual at the optimum (Gaussian likelihood ratio)")
    inside = np.abs(r) <= objective.delta
    k = float(inside.sum()) / float(np.sum(huber_psi(r, objective.delta) ** 2))
    return k, (f"profile of the Huber criterion, chi-square(1) on 2 x its rise x sum psi' / sum psi^2 at the optimum "
               f"(drop-in-dispersion test; {int(inside.sum())} of {r.size} residuals inside the quadratic zone)")


@dataclass
class ProfileInterval:
    quantity: str
    value: float
    low: float  # -inf / +inf (or the quantity's bound) when the deviance never reached the cutoff
    high: float
    low_reached: bool
    high_reached: bool
    level: float
    calibration: str
    n_evaluations: int
    lower_optimum: bool  # the profile went below the optimum: the fit was not at the criterion's minimum


def _solve(law, objective, X, y, elim, v, x0) -> tuple[float, np.ndarray]:
    sub = constrained_law(law, elim, v)
    res = minimize_fits(sub, objective, X, y, np.ones_like(y), np.atleast_2d(x0))
    k = int(np.argmin(np.where(np.isfinite(res.fun), res.fun, np.inf)))
    return float(res.fun[k]), res.x[k]


def profile_interval(law: Law, objective: Objective, X: Inputs, y: np.ndarray, point: FitResult, name: str,
                     elim: Eliminator, value: float, step: float, level: float = 0.95) -> ProfileInterval:
    """The profile interval of quantity ``name`` (estimate ``value``), stepping out by ``step`` on each side."""
    y = np.asarray(y, dtype=float)
    k, how = calibration(objective, law, point.theta, X, y)
    cut = float(chi2.ppf(level, 1))
    j = law.params.index(elim.param)
    x_hat = np.delete(np.asarray(point.theta, dtype=float), j)
    fmin = float(point.fun)
    evals, lower = 0, False
    ends, reached = [], []
    for side in (-1.0, 1.0):
        prev_v, prev_d, x = value, 0.0, x_hat
        end, ok = (elim.bounds[0] if side < 0 else elim.bounds[1]), False
        for i in range(1, MAX_STEPS + 1):
            v = value + side * i * step
            if not elim.bounds[0] < v < elim.bounds[1]:
                break
            f, xv = _solve(law, objective, X, y, elim, v, np.vstack([x, x_hat]))
            evals += 1
            if not np.isfinite(f):
                break
            lower |= f < fmin - 1e-9 * abs(fmin)
            d = 2 * (f - fmin) * k
            if d >= cut:  # bracketed: interpolate the signed root sqrt(D), linear near the optimum, then refine once
                r0, r1 = np.sqrt(max(prev_d, 0.0)), np.sqrt(d)
                vt = prev_v + (v - prev_v) * (np.sqrt(cut) - r0) / (r1 - r0)
                ft, _ = _solve(law, objective, X, y, elim, vt, np.vstack([x, xv]))
                evals += 1
                dt = np.sqrt(max(2 * (ft - fmin) * k, 0.0))
                lo_v, lo_r, hi_v, hi_r = (vt, dt, v, r1) if dt < np.sqrt(cut) else (prev_v, r0, vt, dt)
                end = lo_v + (hi_v - lo_v) * (np.sqrt(cut) - lo_r) / (hi_r - lo_r) if hi_r > lo_r else vt
                ok = True
                break
            prev_v, prev_d, x = v, d, xv
        ends.append(float(end))
        reached.append(ok)
    return ProfileInterval(name, float(value), ends[0], ends[1], reached[0], reached[1], level, how, evals, lower)


# The profile of a (weighted) least-squares line's criterion in its slope, the intercept profiled out, is exactly
# quadratic, S(a) = S_min + (a - a_hat)^2 Sxx; calibrated by F(1, n - 2) on the rise over the residual mean square its
# ends are a_hat +- t(n - 2) se(a_hat), the line's t interval (fitting/loglog.py PowerLawFit.exponent_interval).
LINE_CALIBRATION = ("profile of the (weighted) least-squares line through the minima, the intercept profiled out: "
                    "F(1, n - 2) on the criterion's rise over the residual mean square (for a straight line the t "
                    "interval of the slope)")
