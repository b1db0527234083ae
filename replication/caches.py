"""What a process keeps from one paper for the next: nothing but metadata. Modules that keep data for reuse within
a paper (parsed tables, figure pages, fitted point estimates) register how to forget it, and the runner forgets it
all after each paper, so a worker's memory does not grow with the papers it has run."""

from __future__ import annotations

from typing import Callable

_forgetters: list[Callable[[], None]] = []


def forget_between_papers(clear: Callable[[], None]) -> Callable[[], None]:
    """Register ``clear`` (e.g. a dict's clear, an lru_cache's cache_clear) to be called after each paper."""
    _forgetters.append(clear)
    return clear


def forget_all() -> None:
    """Empty every registered cache."""
    for clear in _forgetters:
        clear()
