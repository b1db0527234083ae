"""A shifted power law with a floor (Nezhurina et al. 2025, "saturation_both"): err = a (x + b)^c + d."""

from __future__ import annotations

import numpy as np

from .base import Inputs, Law, column, logsumexp_terms, register


def _terms(theta: np.ndarray, X: Inputs):
    la, lb, c, ld = theta[:, :1], theta[:, 1:2], theta[:, 2:3], theta[:, 3:4]
    shifted = column(X, "x") + np.exp(lb)
    log_shifted = np.log(shifted)
    return shifted, log_shifted, logsumexp_terms([la + c * log_shifted, np.broadcast_to(ld, log_shifted.shape)])


def _log(theta: np.ndarray, X: Inputs) -> np.ndarray:
    return _terms(theta, X)[2][0]


def _jac(theta: np.ndarray, X: Inputs):
    shifted, log_shifted, (logf, w) = _terms(theta, X)
    b, c = np.exp(theta[:, 1:2]), theta[:, 2:3]
    return logf, np.stack([w[..., 0], w[..., 0] * c * b / shifted, w[..., 0] * log_shifted, w[..., 1]], axis=-1)


SATURATION_BOTH = register(
    Law(
        name="saturation_both",
        params=("la", "lb", "c", "ld"),
        inputs=("x",),
        formula="y = a (x + b)^c + d, with a = e^la, b = e^lb, d = e^ld",
        log_predict=_log,
        log_jacobian_fn=_jac,
        natural=lambda t: {"a": np.exp(t[..., 0]), "b": np.exp(t[..., 1]), "c": t[..., 2], "d": np.exp(t[..., 3])},
        description="Nezhurina et al. 2025: a power law in shifted compute with an error floor d",
        positive_inputs=("x",),
    )
)
