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


def logsumexp_terms(terms: list[np.ndarray], weights: bool = True) -> tuple[np.ndarray, np.ndarray | None]:
    """log(sum exp(terms)) and the softmax weights (..., len(terms)), stable for any magnitudes.

    The terms are held term-first in memory: numpy reduces over a leading axis of a few entries far faster
    than over a short trailing one; the weights come back as a view with the term index last. Without
    ``weights`` (a value alone, e.g. a line-search trial) they are not formed and None comes back; the log is
    the same number either way.
    """
    shape = np.broadcast_shapes(*(np.shape(t) for t in terms))
    top = np.array(np.broadcast_to(terms[0], shape)) if len(terms) == 1 else np.maximum(terms[0], terms[1])
    for t in terms[2:]:
        np.maximum(top, t, out=top)
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
