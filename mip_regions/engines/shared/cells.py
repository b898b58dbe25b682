"""Activation cells: the affine pre-activations on a fixed pattern, and the full-dimension test.

With the activation pattern S fixed, every pre-activation is affine in x (REFERENCE.md §6.1):
``A^l = W^l D^{l-1} A^{l-1}``, ``c^l = W^l D^{l-1} c^{l-1} + b^l`` with ``D = diag(S_l)`` for
ReLU layers and ``D = I`` for identity layers, starting from ``A^0 = I``, ``c^0 = 0``.

The cell of S is full-dimensional iff the two-sided margin LP (REFERENCE.md §6.3)

    max t  s.t.  a_i.x + c_i >= t ||a_i||   (S_i = 1)
                 a_i.x + c_i <= -t ||a_i||  (S_i = 0, unit not identically zero on the cell)
                 lower + t <= x <= upper - t

has t* > 0. Rows are normalised, so t* is the radius of the largest ball inside the cell and
the box (the witness x* is its centre). A unit whose restricted pre-activation is identically
zero (a_i = 0 and c_i = 0; decided exactly for rational networks) creates no boundary and must
be inactive.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

import numpy as np

from ...nets.network import Network

ZERO_TOL = 1e-12     # float pre-test: |a|, |c| below this (relative) may be zero (then decided exactly)
MARGIN_TOL = 1e-7    # float margin LP: t* above this times the box's largest side is trusted


def affine_preactivations(net: Network, pattern, *, exact: bool = False):
    """Per-layer affine pre-activation maps ``(A^l, c^l)`` on the cell of ``pattern``.

    Returns a list over all layers (the output layer last: its map is the network's affine map
    on the cell). With ``exact=True`` the arrays hold Fractions (exact for rational networks, the stored
    float64 values taken exactly otherwise; Python ints for integer networks).
    """
    parts = net.split_pattern(pattern)
    n0 = net.input_dim
    if exact:
        # integer networks: Python ints (exact and much cheaper than Fractions)
        one, zero = (1, 0) if net.is_integer else (Fraction(1), Fraction(0))
        A = np.array([[one if i == j else zero for j in range(n0)] for i in range(n0)], dtype=object)
        c = np.array([zero] * n0, dtype=object)
        rational = net.exact_arrays()
    else:
        A, c = np.eye(n0), np.zeros(n0)
        rational = [None] * len(net.layers)
    maps = []
    for layer, bits, rat in zip(net.layers, parts, rational):
        if exact:
            W, b = rat
        else:
            W, b = layer.weights, layer.bias
        A, c = W @ A, W @ c + b
        maps.append((A, c))
        if bits is None:
            continue
        if layer.act.rows_per_unit == 1:
            mask = bits.astype(int).astype(object) if exact else bits.astype(float)
            A = A * mask[:, None]
            c = c * mask
        else:            # maxout: each unit passes on its chosen row
            rows = layer.act.chosen(bits, len(c))
            A, c = A[rows], c[rows]
    return maps


def pattern_constraints(net: Network, pattern, *, exact: bool = False):
    """The cell of ``pattern`` as rows ``a.x + c >= 0`` (A, c), with ``strict`` (the row must be
    > 0 on the pattern's set) and ``position`` (the pattern position it belongs to) per row.

    A relu unit gives ``z`` (active, strict) or ``-z`` (inactive); a maxout unit choosing
    argument j gives ``z_j - z_m`` for each other argument m, strict for m < j (the lowest index
    wins ties, nets/activations.py). Rows may be identically zero on the cell: such a row makes
    no boundary, and a strict one means the pattern has no cell."""
    maps = affine_preactivations(net, pattern, exact=exact)
    parts = net.split_pattern(pattern)
    n0 = net.input_dim
    A, c, strict, pos = [], [], [], []
    for l, (layer, bits) in enumerate(zip(net.layers[:-1], parts)):
        if bits is None:
            continue
        P, p = maps[l]
        off = net.relu_offset[l]
        if layer.act.rows_per_unit == 1:
            sign = np.where(bits, 1, -1)
            A.append(P * sign[:, None])
            c.append(p * sign)
            strict.extend(bits.tolist())
            pos.extend(range(off, off + len(bits)))
            continue
        k = layer.rank
        for u, j in enumerate(layer.act.chosen(bits, len(p))):
            others = [m for m in range(u * k, u * k + k) if m != j]
            A.append(P[j][None, :] - P[others])
            c.append(p[j] - p[others])
            strict.extend(m < j for m in others)
            pos.extend([off + j] * len(others))
    if not A:
        return np.zeros((0, n0)), np.zeros(0), np.zeros(0, dtype=bool), np.zeros(0, dtype=int)
    return np.vstack(A), np.concatenate(c), np.array(strict, dtype=bool), np.array(pos, dtype=int)


def zero_units(net: Network, pattern, A: np.ndarray, c: np.ndarray) -> np.ndarray:
    """Boolean mask of the rows of :func:`pattern_constraints` that are identically zero on the cell.

    Float test first; every candidate is then decided in exact arithmetic (on the network's exact
    value), so the result is exact.
    """
    scale = 1.0 + max(float(np.abs(A).max(initial=0.0)), float(np.abs(c).max(initial=0.0)))
    cand = (np.abs(A).max(axis=1, initial=0.0) <= ZERO_TOL * scale) & (np.abs(c) <= ZERO_TOL * scale)
    if cand.any():
        eA, ec, _, _ = pattern_constraints(net, pattern, exact=True)
        exact_zero = np.array([all(v == 0 for v in eA[i]) and ec[i] == 0 for i in range(len(ec))])
        return exact_zero
    return cand


@dataclass
class CellCheck:
    """Outcome of the margin LP for one pattern: full-dimensional or not, the Chebyshev radius
    t*, the centre (witness) and the reason when the cell has no interior."""

    full: bool
    margin: float            # t*: radius of the largest ball in cell and box (0 when not full)
    witness: np.ndarray | None
    reason: str              # "" when full, otherwise why not


def cell_constraints(net: Network, bits):
    """Closed cell ``{x : s_i (a_i.x + c_i) >= 0}`` as (A, c, s) without identically-zero rows
    (:func:`pattern_constraints`; here s = 1 for a row that must be strict, -1 otherwise, with A, c
    signed so that ``s (a.x + c) >= 0`` is the row), and the mask of identically-zero rows that
    must be strict (a relu unit marked active, a maxout argument chosen over an identical lower
    one: such a pattern has no cell)."""
    bits = np.asarray(bits, dtype=bool)
    A, c, strict, _ = pattern_constraints(net, bits)
    zero = zero_units(net, bits, A, c)
    keep = ~zero
    s = np.where(strict[keep], 1.0, -1.0)
    return A[keep] * s[:, None], c[keep] * s, s, zero & strict


def margin_lp(net: Network, A, c, s, *, margin=None, box_margin: bool = True, equality=None, highs=None):
    """The one margin LP every cell test here solves (rows normalised; zero rows kept as they are):

        max t  s.t.  s_i (a_i.x + c_i) / ||a_i|| >= m_i t     (m_i = 1, or ``margin[i]`` in {0, 1})
                     lower + b t <= x <= upper - b t          (b = 1 if ``box_margin`` else 0)
                     (a.x + c0) / ||a|| = 0                   (optional ``equality`` = (a, c0))
                     t <= the box's largest side

    t* is the radius of the largest ball in the cell (two-sided margin) when every m_i = b = 1.
    Returns an :class:`~mip_regions.engines.shared.highs_lp.LPSolution` over (x, t).
    """
    lo, hi = net.domain.lower, net.domain.upper
    n0 = net.input_dim
    A = np.asarray(A, dtype=float).reshape(-1, n0)
    norms = np.linalg.norm(A, axis=1)
    safe = np.where(norms > 0, norms, 1.0)
    m = np.ones(len(c)) if margin is None else np.asarray(margin, dtype=float)
    tb = -1.0 if box_margin else 0.0
    blocks = [np.hstack([(s / safe)[:, None] * A, -m[:, None]]),
              np.hstack([np.eye(n0), np.full((n0, 1), tb)]),
              np.hstack([-np.eye(n0), np.full((n0, 1), tb)])]
    rlo = [-(s * c) / safe, lo, -hi]
    rhi = [np.full(len(c) + 2 * n0, np.inf)]
    if equality is not None:
        a, c0 = equality
        na = float(np.linalg.norm(a))
        blocks.append(np.hstack([np.asarray(a, float)[None, :] / na, np.zeros((1, 1))]))
        rlo.append([-c0 / na])
        rhi.append([-c0 / na])
    obj = np.zeros(n0 + 1)
    obj[-1] = 1.0
    from .highs_lp import solve_dense_lp  # imported here: the vertex engine needs no LP
    return solve_dense_lp(obj, np.vstack(blocks), np.concatenate(rlo), np.concatenate(rhi),
                          np.concatenate([lo, [-np.inf]]), np.concatenate([hi, [float(np.max(hi - lo))]]),
                          highs=highs)


def check_cell(net: Network, pattern, *, highs=None, one_sided: bool = False) -> CellCheck:
    """Decide whether the activation cell of ``pattern`` is full-dimensional (two-sided margin LP).

    With ``one_sided=True`` it decides instead whether the pattern is a *strict* pattern (Serra's
    one-sided margin: some x in the closed box with every active unit > 0 and every inactive
    unit <= 0); the MIP engine uses it to tell degenerate patterns from numerical artefacts.
    """
    A, c, s, zero_active = cell_constraints(net, pattern)
    if zero_active.any():
        return CellCheck(False, 0.0, None, "a unit that is identically zero on the cell is marked active")
    const = np.linalg.norm(A, axis=1) <= ZERO_TOL * (1.0 + np.abs(c))
    sc, cc = s[const], c[const]
    ok = ((sc > 0) & (cc > 0)) | ((sc < 0) & ((cc <= 0) if one_sided else (cc < 0)))
    if not ok.all():
        return CellCheck(False, 0.0, None, "a constant pre-activation has the wrong sign")
    A, c, s = A[~const], c[~const], s[~const]
    # one-sided: the margin only on active units, none on inactive units and the box
    sol = margin_lp(net, A, c, s, margin=(s > 0) if one_sided else None, box_margin=not one_sided,
                    highs=highs)
    if sol.status != "optimal":
        return CellCheck(False, 0.0, None, f"margin LP {sol.status}")
    t = float(sol.objective)
    lo, hi = net.domain.lower, net.domain.upper
    if t <= MARGIN_TOL * float(np.max(hi - lo)):
        return CellCheck(False, max(t, 0.0), None, "the cell has no interior (margin 0)")
    return CellCheck(True, t, sol.x[:net.input_dim], "")


def cell_checker():
    """A :func:`check_cell` bound to one reused HiGHS instance (cheaper per call)."""
    from .highs_lp import new_highs
    h = new_highs(primal_feasibility_tolerance=1e-9, dual_feasibility_tolerance=1e-9)
    return lambda net, pattern, one_sided=False: check_cell(net, pattern, highs=h, one_sided=one_sided)
