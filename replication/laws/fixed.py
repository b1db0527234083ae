"""A registered law with some parameters held at given values: the rest are fitted, the held ones are inputs of the protocol.

Used where a paper fits a law in stages (constants from one fit are fixed while others are fitted), so the
suite's engine, bootstrap and checks run on the free parameters only.
"""

from __future__ import annotations

from typing import Mapping, Sequence

import numpy as np

from .base import _REGISTRY, Inputs, Law, register


def fix_params(base: Law, fixed: Mapping[str, float], name: str, report: Sequence[str] | None = None) -> Law:
    """Register (once) and return ``base`` with the parameters in ``fixed`` held at their values.

    ``report`` names the natural constants to report for the fit (default: all of the base law's); a fixed
    constant is usually left out, since it is not estimated. Registering the same name again with the same
    base, values and report returns the registered law; anything else is an error.
    """
    unknown = [p for p in fixed if p not in base.params]
    if unknown:
        raise ValueError(f"law '{base.name}' has no parameter(s) {unknown}; its parameters are {list(base.params)}")
    free = tuple(p for p in base.params if p not in fixed)
    if not free:
        raise ValueError(f"fixing every parameter of law '{base.name}' leaves nothing to fit")
    signature = (base.name, tuple(sorted((k, float(v)) for k, v in fixed.items())), None if report is None else tuple(report))
    existing = _REGISTRY.get(name)
    if existing is not None:
        if getattr(existing, "_fixed_signature", None) == signature:
            return existing
        raise ValueError(f"law '{name}' is already registered with a different definition")
    held = ", ".join(f"{k} = {float(v):.10g}" for k, v in fixed.items())
    law = hold(base, fixed, name=name, note=f"held fixed: {held}",
               description=f"{base.description} (parameters {sorted(fixed)} held fixed)", report=report)
    object.__setattr__(law, "_fixed_signature", signature)
    return register(law)


def hold(base: Law, values: Mapping[str, float], *, name: str, note: str, description: str,
         report: Sequence[str] | None = None) -> Law:
    """``base`` with the parameters in ``values`` held at those values (finite, or a face's infinite limit),
    unregistered; the rest are its parameters, in the base's order. Shared by fix_params and laws/faces.py."""
    free = tuple(p for p in base.params if p not in values)
    free_idx = [base.params.index(p) for p in free]
    full_values = np.array([float(values.get(p, np.nan)) for p in base.params])

    def full(theta: np.ndarray) -> np.ndarray:
        theta = np.asarray(theta, dtype=float)
        out = np.broadcast_to(full_values, theta.shape[:-1] + (len(base.params),)).copy()
        out[..., free_idx] = theta
        return out

    def log_jac(theta: np.ndarray, X: Inputs):
        logf, jac = base.log_jacobian(full(theta), X)
        return logf, jac[..., free_idx]

    def natural(theta: np.ndarray) -> dict[str, np.ndarray]:
        nat = base.natural_params(full(theta))
        return {k: v for k, v in nat.items() if report is None or k in report}

    return Law(
        name=name,
        params=free,
        inputs=base.inputs,
        formula=f"{base.formula}; {note}",
        log_predict=lambda theta, X: base.log_predict(full(theta), X),
        log_jacobian_fn=log_jac,
        natural=natural,
        description=description,
        positive_inputs=base.positive_inputs,
        faces=tuple((p, v) for p, v in base.faces if p not in values),
    )


def tie(base: Law, ties: Mapping[str, str], *, name: str, formula: str | None = None,
        description: str | None = None) -> Law:
    """``base`` with each parameter in ``ties`` set equal to another (e.g. {"beta": "alpha"}), unregistered.

    The tied parameter leaves the fitted ones; its Jacobian column is added to the one it follows, and the natural
    constants still report it (equal to its leader). The other mechanism beside ``hold``/``fix_params``.
    """
    bad = [p for p in list(ties) + list(ties.values()) if p not in base.params]
    if bad:
        raise ValueError(f"law '{base.name}' has no parameter '{bad[0]}'; its parameters are {list(base.params)}")
    if any(leader in ties for leader in ties.values()):
        raise ValueError(f"tying {dict(ties)}: a parameter tied to another cannot itself lead a tie")
    free = tuple(p for p in base.params if p not in ties)
    source = [free.index(ties.get(p, p)) for p in base.params]  # full parameter j <- free parameter source[j]
    tied_idx = [(base.params.index(p), free.index(leader)) for p, leader in ties.items()]
    free_idx = [base.params.index(p) for p in free]

    def full(theta: np.ndarray) -> np.ndarray:
        return np.asarray(theta, dtype=float)[..., source]

    def log_jac(theta: np.ndarray, X: Inputs):
        logf, jac = base.log_jacobian(full(theta), X)
        out = np.ascontiguousarray(jac[..., free_idx])  # layout as a hand-written Jacobian (same BLAS path)
        for j, i in tied_idx:
            out[..., i] = out[..., i] + jac[..., j]
        return logf, out

    held = ", ".join(f"{p} = {leader}" for p, leader in ties.items())
    return Law(
        name=name,
        params=free,
        inputs=base.inputs,
        formula=formula or f"{base.formula}; tied: {held}",
        log_predict=lambda theta, X: base.log_predict(full(theta), X),
        log_jacobian_fn=log_jac,
        natural=lambda theta: base.natural_params(full(theta)),
        description=description or f"{base.description} ({held})",
        positive_inputs=base.positive_inputs,
        faces=tuple((p, v) for p, v in base.faces if p not in ties),
    )
