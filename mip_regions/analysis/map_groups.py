"""Grouping regions by their exact affine map with little memory per region (issue 21): a map
id per region (numpy), one representative region per map, and a 16-byte digest per map in the
lookup table instead of its exact entries.

A digest match is confirmed exactly (the representative's exact key is recomputed and compared),
so two different maps are never merged, whatever the digests do; a true digest collision (never
seen: about 2^-128 per pair) falls back to a table of exact keys. The maps themselves are
computed again on demand from their representative (:class:`MapTable`).
"""

from __future__ import annotations

import hashlib

import numpy as np


def _digest(key) -> bytes:
    return hashlib.blake2b(repr(key).encode(), digest_size=16).digest()


def group_by_map(regions, key_of, deadline=None, check=None):
    """(map_ids, reps): ``map_ids[k]`` numbers region k's map (in order of first appearance),
    ``reps[m]`` is the first region with map m. ``key_of(bits)`` is the exact, hashable key."""
    n = len(regions)
    map_ids = np.empty(n, dtype=np.int64)
    reps: list[int] = []
    table: dict[bytes, int] = {}
    exact_table: dict = {}            # only after a digest collision
    bits_of = regions.bits if hasattr(regions, "bits") else (lambda k: regions[k].bits)
    for k in range(n):
        if check is not None and k % 256 == 0:
            check(deadline)
        key = key_of(bits_of(k))
        d = _digest(key)
        m = table.get(d)
        if m is None:
            m = table[d] = len(reps)
            reps.append(k)
        elif key_of(bits_of(reps[m])) != key:       # a collision: the exact key decides
            m = exact_table.setdefault(key, len(reps))
            if m == len(reps):
                reps.append(k)
        map_ids[k] = m
    return map_ids, reps


class MapTable:
    """``table[m]`` is map m's exact (G, c), recomputed from its representative region."""

    CACHE = 4096

    def __init__(self, regions, reps, map_of):
        self.regions, self.reps, self.map_of = regions, reps, map_of
        self._cache: dict = {}

    def __len__(self) -> int:
        return len(self.reps)

    def __getitem__(self, m):
        m = int(m)
        if not 0 <= m < len(self.reps):
            raise IndexError(m)
        hit = self._cache.get(m)
        if hit is None:
            if len(self._cache) >= self.CACHE:
                self._cache.clear()
            hit = self._cache[m] = self.map_of(self.regions[self.reps[m]].bits)
        return hit


class UnionFind:
    """Union-find over 0..n-1 in one numpy array (path halving)."""

    def __init__(self, n: int):
        self.parent = np.arange(n, dtype=np.int64)

    def find(self, i: int) -> int:
        p = self.parent
        while p[i] != i:
            p[i] = p[p[i]]
            i = p[i]
        return int(i)

    def union(self, a: int, b: int) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[max(ra, rb)] = min(ra, rb)

    def labels(self) -> np.ndarray:
        """Component labels 0..c-1 in order of first appearance."""
        roots = np.array([self.find(i) for i in range(len(self.parent))], dtype=np.int64)
        _, first, inverse = np.unique(roots, return_index=True, return_inverse=True)
        order = np.argsort(np.argsort(first))
        return order[inverse]


def shared_groups(map_ids: np.ndarray):
    """The regions of every map shared by two or more regions, as index arrays."""
    counts = np.bincount(map_ids) if len(map_ids) else np.zeros(0, dtype=int)
    multi = np.flatnonzero(counts[map_ids] > 1) if len(map_ids) else np.zeros(0, dtype=int)
    if not len(multi):
        return []
    order = multi[np.argsort(map_ids[multi], kind="stable")]
    cuts = np.flatnonzero(np.diff(map_ids[order])) + 1
    return np.split(order, cuts)


__all__ = ["group_by_map", "MapTable", "UnionFind", "shared_groups"]
