"""The law interface: a functional form evaluated on the log scale, batched over parameter vectors."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Mapping

import numpy as np

Inputs = Mapping[str, np.ndarray]


@dataclass(frozen=True)
class Law:
    """A scaling law y = f(theta; x), stored as log f with its Jacobian.

    ``log_predict(theta, X)`` takes ``theta`` of shape (K, p) and input columns of shape (n,) (shared by
    every row) or (K, n) (one data set per row, e.g. points perturbed within their errors) and returns log f
    of shape (K, n). ``log_jacobian`` returns (log f, d log f / d theta) with shapes
    (K, n) and (K, n, p); when a law gives none, central differences are used.
    ``to_natural`` maps the fit parametrisation onto the paper's named constants (e.g. a -> A = e^a).
    """

    name: str
    params: tuple[str, ...]
    inputs: tuple[str, ...]
    formula: str
    log_predict: Callable[[np.ndarray, Inputs], np.ndarray]
    log_jacobian_fn: Callable[[np.ndarray, Inputs], tuple[np.ndarray, np.ndarray]] | None = None
    natural: Callable[[np.ndarray], dict[str, np.ndarray]] | None = None
    description: str = ""
    positive_inputs: tuple[str, ...] = field(default=())
    # (parameter, limit) pairs: a limit (-inf or +inf) of a parameter that is a boundary of the model the data may
    # prefer, where the law is still defined (a term vanishing, e.g. E = e^e -> 0; a decay constant R* -> inf, no
    # decay): fits also minimise on that face (laws/faces.py) instead of crawling towards it
    faces: tuple[tuple[str, float], ...] = field(default=())

    def face_params(self) -> dict[str, float]:
        """The face parameters and their limits."""
        return dict(self.faces)

    @property
    def n_params(self) -> int:
        return len(self.params)

    def log_jacobian(self, theta: np.ndarray, X: Inputs) -> tuple[np.ndarray, np.ndarray]:
        """log f and its derivative with respect to every parameter, batched over theta rows."""
        theta = np.atleast_2d(np.asarray(theta, dtype=float))
        if self.log_jacobian_fn is not None:
            return self.log_jacobian_fn(theta, X)
        logf = self.log_predict(theta, X)
        K, p = theta.shape
        jac = np.empty(logf.shape + (p,))
        for j in range(p):
            h = 1e-6 * np.maximum(1.0, np.abs(theta[:, j]))
            up, dn = theta.copy(), theta.copy()
            up[:, j] += h
            dn[:, j] -= h
            jac[..., j] = (self.log_predict(up, X) - self.log_predict(dn, X)) / (2 * h[:, None])
        return logf, jac

    def predict(self, theta: np.ndarray, X: Inputs) -> np.ndarray:
        """f itself for a single parameter vector (n,) or a batch (K, n)."""
        theta = np.asarray(theta, dtype=float)
        out = np.exp(self.log_predict(np.atleast_2d(theta), X))
        return out[0] if theta.ndim == 1 else out

    def natural_params(self, theta: np.ndarray) -> dict[str, np.ndarray]:
        """The paper's named constants from fit parameters (rows of theta or a single vector)."""
        theta = np.asarray(theta, dtype=float)
        if self.natural is None:
            return {name: theta[..., j] for j, name in enumerate(self.params)}
        return self.natural(theta)


_REGISTRY: dict[str, Law] = {}


def register(law: Law) -> Law:
    """Add a law to the registry under its name; a second law with the same name is an error."""
    if law.name in _REGISTRY:
        raise ValueError(f"law '{law.name}' is already registered")
    _REGISTRY[law.name] = law
    return law


def get_law(name: str) -> Law:
    """Look a law up by name, with the list of known names in the error."""
    try:
        return _REGISTRY[name]
    except KeyError:
        raise KeyError(f"unknown law '{name}'; known laws: {', '.join(sorted(_REGISTRY))}") from None


def is_registered(law: Law) -> bool:
    """Whether ``law`` is the registered law of its name (not one built on the fly, e.g. a face or a tie)."""
    return _REGISTRY.get(law.name) is law


def known_laws() -> list[str]:
    return sorted(_REGISTRY)


def column(X: Inputs, name: str) -> np.ndarray:
    """One input column as a float array (n,)."""
    return np.asarray(X[name], dtype=float)


SAFE_EXP = 700.0  # |log| below this: exp neither overflows nor leaves the normal range of a float


def logsumexp_terms(terms: list[np.ndarray], weights: bool = True) -> tuple[np.ndarray, np.ndarray | None]:
    """log(sum exp(terms)) and the softmax weights (..., len(terms)), stable for any magnitudes.

    In a row (first axis) where the largest term lies within +-SAFE_EXP at every point (all but extreme trial
    points) the sum is formed from the exponentials directly, each term exponentiated at its own shape (a
    per-row constant such as log E once per row, not once per point): one exponential fewer per point than
    shifting by the maximum first, which is what the sums cost. Other rows are shifted by their maximum. The
    choice is made per row, so a row's numbers never depend on the rows evaluated with it. Without ``weights``
    (a value alone, e.g. a line-search trial) they are not formed and None comes back.
    """
    shape = np.broadcast_shapes(*(np.shape(t) for t in terms))
    top = np.array(np.broadcast_to(terms[0], shape)) if len(terms) == 1 else np.maximum(terms[0], terms[1])
    for t in terms[2:]:
        np.maximum(top, t, out=top)
    inside = np.abs(top) < SAFE_EXP
    safe = inside.reshape(shape[0], -1).all(axis=1) if len(shape) >= 2 else np.array([inside.all()])
    if safe.all():
        return _direct(terms, shape, weights)
    if len(shape) < 2 or not safe.any():
        return _shifted(terms, top, shape, weights)
    logf = np.empty(shape)
    w = np.empty(shape + (len(terms),)) if weights else None
    for rows, how in ((np.flatnonzero(safe), _direct), (np.flatnonzero(~safe), _shifted)):
        part = [np.broadcast_to(t, shape)[rows] for t in terms]
        sub = (part, top[rows]) if how is _shifted else (part,)
        logf[rows], wr = how(*sub, (rows.size,) + shape[1:], weights)
        if weights:
            w[rows] = wr
    return logf, w


def _shifted(terms: list[np.ndarray], top: np.ndarray, shape: tuple, weights: bool):
    """logsumexp_terms with every term shifted by the maximum ``top``; term-first in memory (numpy reduces over a
    leading axis of a few entries far faster than over a short trailing one), the weights a view, term index last."""
    stacked = np.empty((len(terms),) + shape)
    for j, t in enumerate(terms):
        np.subtract(t, top, out=stacked[j])
    np.exp(stacked, out=stacked)
    total = stacked[0].copy() if len(terms) == 1 else np.add(stacked[0], stacked[1])
    for t in stacked[2:]:
        total += t
    logf = top + np.log(total)
    if not weights:
        return logf, None
    stacked /= total
    return logf, np.moveaxis(stacked, 0, -1)


def _direct(terms: list[np.ndarray], shape: tuple, weights: bool):
    """logsumexp_terms without the shift, for terms whose largest lies within +-SAFE_EXP everywhere: every
    exponential is finite and their sum a normal float (a far smaller term underflows to its share, 0)."""
    exps = [np.exp(t) for t in terms]
    total = np.array(np.broadcast_to(exps[0], shape)) if len(exps) == 1 else np.add(exps[0], exps[1])
    for e in exps[2:]:
        total += e
    logf = np.log(total)
    if not weights:
        return logf, None
    stacked = np.empty((len(terms),) + shape)
    for j, e in enumerate(exps):
        np.divide(e, total, out=stacked[j])
    return logf, np.moveaxis(stacked, 0, -1)
