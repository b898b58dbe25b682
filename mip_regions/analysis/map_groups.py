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


def bits_block(regions, start: int, stop: int) -> np.ndarray:
    if hasattr(regions, "bits_block"):
        return regions.bits_block(start, stop)
    return np.array([np.asarray(regions[k].bits, dtype=bool) for k in range(start, stop)])


def bits_rows(regions, idx) -> np.ndarray:
    return np.array([np.asarray(regions.bits(k) if hasattr(regions, "bits") else regions[k].bits, dtype=bool)
                     for k in idx])


def float_maps(net, regions, start: int, stop: int, B=None):
    """Float64 output maps (G, c) of regions start..stop-1, flattened one row per region, and a
    rigorous bound on each entry's rounding error: the maps are composed layer by layer for the
    whole block at once (h = S_l (W_l h + b_l), S_l the pattern's selection), with magnitudes
    |W| |.| beside them; error <= gamma * magnitude, gamma = 2 n u (n the operations on the
    longest path, u = 2^-53), plus the rounding of weights that are not float64 values."""
    B = bits_block(regions, start, stop) if B is None else B
    r, n0 = len(B), net.input_dim
    A = np.broadcast_to(np.eye(n0), (r, n0, n0)).copy()
    c = np.zeros((r, n0))
    MA, mc = A.copy(), c.copy()
    ops = 0
    for l, layer in enumerate(net.layers):
        W, b = layer.weights, layer.bias
        aW = np.abs(W)
        A, c = np.einsum("ij,rjk->rik", W, A), c @ W.T + b
        MA, mc = np.einsum("ij,rjk->rik", aW, MA), mc @ aW.T + np.abs(b)
        ops += layer.n_in + 3
        if not layer.n_bits:
            continue
        off = net.relu_offset[l]
        part = B[:, off: off + layer.n_bits]
        if layer.activation == "relu":
            A, c, MA, mc = A * part[:, :, None], c * part, MA * part[:, :, None], mc * part
        else:                      # maxout: each unit passes on its chosen row
            k = layer.rank
            idx = part.reshape(r, -1, k).argmax(axis=2) + np.arange(0, len(b), k)[None, :]
            A, MA = np.take_along_axis(A, idx[:, :, None], 1), np.take_along_axis(MA, idx[:, :, None], 1)
            c, mc = np.take_along_axis(c, idx, 1), np.take_along_axis(mc, idx, 1)
    F = np.concatenate([A.reshape(r, -1), c], axis=1)
    M = np.concatenate([MA.reshape(r, -1), mc], axis=1)
    if net.is_integer and float(M.max(initial=0.0)) < 2.0 ** 53:
        return F, np.zeros_like(F)       # integer arithmetic below 2^53: the floats are exact
    return F, 2.0 * ops * 2.0 ** -53 * M * (1 + 1e-9) + np.finfo(float).tiny


def _direction(dim: int, seed: int) -> np.ndarray:
    return np.random.default_rng(seed).standard_normal(dim)


def _clusters(proj, rad, idx):
    """Split ``idx`` (sorted by ``proj``) where a gap exceeds twice the largest radius: exactly
    equal maps have projections within rad_i + rad_k of each other."""
    order = np.argsort(proj, kind="stable")
    radius = 2.0 * float(rad.max()) + 4 * np.finfo(float).eps * float(np.abs(proj).max(initial=0.0))
    cuts = np.flatnonzero(np.diff(proj[order]) > radius) + 1
    return [idx[g] for g in np.split(order, cuts) if len(g) > 1]


def candidate_clusters(F, E, seed: int = 0):
    """Groups of rows whose maps may be equal: exactly equal maps have projections (on a fixed
    random direction p) within sum_j |p_j| (E_ij + E_kj) of each other, so rows are sorted by
    projection and split where a gap exceeds twice the largest such radius; every other pair
    of maps differs for sure. Large clusters are split again on other directions. Returns a list
    of index arrays (clusters of two or more)."""
    if len(F) < 2:
        return []
    p = _direction(F.shape[1], seed)
    out = []
    for g in _clusters(F @ p, E @ np.abs(p), np.arange(len(F))):
        if len(g) < len(F) and seed < 4 and len(g) > 16:
            out += [g[h] for h in candidate_clusters(F[g], E[g], seed + 1)]
        else:
            out.append(g)
    return out


def group_by_map_fast(net, regions, key_of, deadline=None, check=None, block: int = 8192):
    """:func:`group_by_map` for large runs: float maps with error bounds for every region
    (vectorised, in blocks; only each region's projection and its error radius are kept), and the
    exact key only for regions whose float maps may coincide with another's
    (:func:`candidate_clusters`, on the maps recomputed for those regions). Exact: a region
    outside every cluster has a map of its own."""
    n = len(regions)
    if not n:
        return np.zeros(0, dtype=np.int64), []
    proj, rad = np.empty(n), np.empty(n)
    p = None
    for start in range(0, n, block):
        if check is not None:
            check(deadline)
        with np.errstate(all="ignore"):      # weights near the float limit: checked below
            F, E = float_maps(net, regions, start, min(n, start + block))
            if p is None:
                p = _direction(F.shape[1], 0)
            proj[start: start + len(F)], rad[start: start + len(F)] = F @ p, E @ np.abs(p)
    if not (np.isfinite(proj).all() and np.isfinite(rad).all()):
        return group_by_map(regions, key_of, deadline, check)     # floats overflowed: exact keys
    label = np.arange(n, dtype=np.int64)            # provisional: every region its own map
    for first in _clusters(proj, rad, np.arange(n)):
        F, E = float_maps(net, regions, 0, 0, B=bits_rows(regions, first))
        clusters = [first[g] for g in candidate_clusters(F, E, 1)] if len(first) > 16 else [first]
        for members in clusters:
            if check is not None:
                check(deadline)
            seen: dict = {}
            for k in sorted(members.tolist()):
                label[k] = seen.setdefault(key_of(bits_rows(regions, [k])[0]), k)
    _, first_ix, map_ids = np.unique(label, return_index=True, return_inverse=True)
    order = np.argsort(np.argsort(first_ix))            # ids in order of first appearance
    map_ids = order[map_ids].astype(np.int64)
    reps = first_ix[np.argsort(first_ix)].tolist()
    return map_ids, reps


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
        roots = self.parent.copy()
        while True:                      # pointer jumping, vectorised
            nxt = roots[roots]
            if np.array_equal(nxt, roots):
                break
            roots = nxt
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


__all__ = ["group_by_map", "group_by_map_fast", "float_maps", "candidate_clusters", "MapTable", "UnionFind",
           "shared_groups"]
