"""Registry of functional forms; importing this package registers every built-in law."""

from .base import Law, get_law, known_laws, register
from . import chinchilla, power_law  # noqa: F401  (registration side effect)
from . import overtraining, data_constrained, alabdulmohsin, bnsl, routed, parallel, saturation, log_linear  # noqa: F401

__all__ = ["Law", "get_law", "known_laws", "register"]
