"""What a fit returns: the optimum, how it was reached, and the evidence for judging its health."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


@dataclass
class FitResult:
    law: str
    objective: str
    param_names: tuple[str, ...]  # fit parametrisation, including any objective parameters (e.g. log_sigma)
    theta: np.ndarray  # (p,) the optimum
    fun: float
    grad: np.ndarray
    converged: bool
    n_iter: int
    start: np.ndarray  # the start whose run reached the optimum
    n_starts: int
    n_points: float  # sum of weights
    n_at_best: int  # starts ending within a relative 1e-8 of the optimum (among those run to the end)
    minima: np.ndarray = field(default_factory=lambda: np.empty((0, 0)))  # distinct local optima, best first
    minima_fun: np.ndarray = field(default_factory=lambda: np.empty(0))
    bounds: np.ndarray | None = None
    screened: np.ndarray | None = None  # every start after the screen's few iterations (K, p), for refits to reuse

    def as_dict(self) -> dict:
        return {
            "law": self.law,
            "objective": self.objective,
            "params": dict(zip(self.param_names, map(float, self.theta))),
            "fun": float(self.fun),
            "grad_max": float(np.abs(self.grad).max()),
            "converged": bool(self.converged),
            "n_iter": int(self.n_iter),
            "start": dict(zip(self.param_names, map(float, self.start))),
            "n_starts": int(self.n_starts),
            "n_at_best": int(self.n_at_best),
            "n_local_minima": int(len(self.minima_fun)),
        }
