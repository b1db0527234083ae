"""A law on one of its faces: a parameter at the limit (-inf or +inf) where the law is still defined.

Examples: a log-coefficient at -inf, so its term of the log-sum-exp vanishes (E = 0); a log decay constant at
+inf, so the decay is gone (R* = inf). Along such a direction the objective keeps falling as the parameter
runs off, so an unconstrained minimiser crawls and stops at an arbitrary finite value (e = -2, -20 or -180
all mean E ~ 0). Minimising on the face itself (the other parameters free, the face parameter exactly at its
limit) gives the limit directly, in few iterations.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from .base import Law
from .fixed import hold


def embed(theta_face: np.ndarray, held: dict[int, float]) -> np.ndarray:
    """Full parameter rows from face rows: each held column index gets its limit value."""
    theta = np.atleast_2d(np.asarray(theta_face, dtype=float))
    for j in sorted(held):
        theta = np.insert(theta, j, held[j], axis=1)
    return theta


def on_faces(law: Law, theta: np.ndarray) -> np.ndarray:
    """(K, number of faces) bool: which rows of theta sit on which of the law's faces."""
    theta = np.atleast_2d(theta)
    return np.stack([theta[:, law.params.index(p)] == v for p, v in law.faces], axis=1) if law.faces else \
        np.zeros((theta.shape[0], 0), dtype=bool)


@lru_cache(maxsize=None)
def _face(base: Law, params: tuple[str, ...]) -> Law:
    limits = base.face_params()
    names = ", ".join(f"{p} = {limits[p]}" for p in params)
    law = hold(base, {p: limits[p] for p in params}, name=f"{base.name}[{names}]", note=f"on the face {names}",
               description=f"{base.description}, on the face {names}")
    object.__setattr__(law, "_face_of", (base, params))
    return law


def face_law(law: Law, params) -> Law:
    """``law`` with ``params`` (a name or several) held at their face limits (a face of a face is a face of the
    original law with both held)."""
    params = (params,) if isinstance(params, str) else tuple(params)
    unknown = [p for p in params if p not in law.face_params()]
    if unknown:
        raise ValueError(f"law '{law.name}' declares no face for {unknown} (faces: {list(law.face_params())})")
    base, held = getattr(law, "_face_of", (law, ()))
    return _face(base, tuple(sorted(set(held) | set(params), key=base.params.index)))
