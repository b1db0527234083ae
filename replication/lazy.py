"""Package names imported from their modules when first used (PEP 562), so that importing a package for one light
name (e.g. metadata) does not import its numerical stack."""

from __future__ import annotations

from importlib import import_module
from typing import Any, Callable


def lazy_names(package: str, modules: dict[str, str]) -> Callable[[str], Any]:
    """A module-level ``__getattr__`` for ``package``: name -> the submodule (relative to it) that defines it."""

    def __getattr__(name: str) -> Any:
        if name in modules:
            return getattr(import_module(f".{modules[name]}", package), name)
        raise AttributeError(f"module {package!r} has no attribute {name!r}")

    return __getattr__
