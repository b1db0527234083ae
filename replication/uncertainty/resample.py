"""Bootstrap resamples as weight vectors: row i counts how often each point was drawn.

Resamples are generated in fixed-size chunks, each from its own child of one SeedSequence, so the
draws depend only on the seed and the chunk size, never on how many workers process the chunks.
With ``groups`` (one label per point) whole clusters are drawn with replacement (a cluster bootstrap):
every point of a drawn cluster gets the cluster's count. Perturbations of the points within their
errors are drawn from a child of the chunk's seed (``perturbation_rng``), a stream of their own: the
resamples are the same with and without them.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np

CHUNK = 500


def chunk_sizes(n_boot: int, chunk: int = CHUNK) -> list[int]:
    full, rest = divmod(n_boot, chunk)
    return [chunk] * full + ([rest] if rest else [])


def group_codes(groups: Sequence) -> tuple[np.ndarray, int]:
    """Integer codes 0..G-1 of the cluster labels (in order of first appearance) and the number of clusters G."""
    labels = np.asarray(groups)
    _, first, codes = np.unique(labels, return_index=True, return_inverse=True)
    order = np.argsort(np.argsort(first))  # renumber clusters by first appearance, independent of label sorting
    return order[codes.ravel()], int(first.size)


def resample_weights(n_points: int, size: int, seed: int, chunk_index: int, n_chunks: int,
                     groups: Sequence | None = None) -> np.ndarray:
    """Counts (size, n_points) for one chunk of a nonparametric bootstrap over points, or over clusters of points."""
    child = np.random.SeedSequence(seed).spawn(n_chunks)[chunk_index]
    rng = np.random.default_rng(child)
    if groups is None:
        draws = rng.integers(0, n_points, size=(size, n_points))
        counts = np.zeros((size, n_points))
        np.add.at(counts, (np.arange(size)[:, None], draws), 1.0)
        return counts
    if len(groups) != n_points:
        raise ValueError(f"cluster bootstrap: {len(groups)} group labels for {n_points} points")
    codes, n_groups = group_codes(groups)
    draws = rng.integers(0, n_groups, size=(size, n_groups))
    cluster_counts = np.zeros((size, n_groups))
    np.add.at(cluster_counts, (np.arange(size)[:, None], draws), 1.0)
    return cluster_counts[:, codes]


def perturbation_rng(seed: int, chunk_index: int, n_chunks: int) -> np.random.Generator:
    """The generator of one chunk's perturbations within digitisation error: a child of that chunk's seed, so it
    never shares draws with the chunk's resamples."""
    return np.random.default_rng(np.random.SeedSequence(seed).spawn(n_chunks)[chunk_index].spawn(1)[0])
