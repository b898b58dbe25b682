"""The kinds of unit a layer can have, each in one place (the OMLT pattern, ../shared/STYLE.md):
how it is evaluated, which pattern positions it owns, which map it passes on over a cell, and
how many hyperplanes it adds to a cell (for the bounds). Engines ask a layer's ``act`` instead
of testing its name.

A layer's weight matrix has ``rows_per_unit`` rows per unit (its arguments), consecutive:

* ``identity``: ``h_i = z_i``; no pattern position, no boundary.
* ``relu``:     ``h_i = max(z_i, 0)``; one position, ``[z_i > 0]`` (an identically-zero unit is
  inactive: it makes no boundary, REFERENCE.md §6.2).
* ``maxout`` of rank k (Goodfellow et al. 2013; Serra et al. 2018, ``../shared/seeds/002``):
  ``h_i = max_{j<k} z_{ik+j}``; k positions, one-hot on the argument attaining the maximum,
  the **lowest index** among arguments that tie. Arguments that are the same affine function on
  a cell therefore make no boundary there: the later one is never chosen. The cell of argument
  j of unit i is ``{z_j - z_m > 0 for m < j, z_j - z_m >= 0 for m > j}``; a full-dimensional
  cell needs ``z_j - z_m`` not identically zero for m < j. Rank 2 with a zero second row is
  ``max(z, 0)`` with argument order (z, 0); leaky relu is rank 2 with rows (w, alpha w), |x| is
  rank 2 with rows (w, -w).

The one-hot positions are exactly the binaries of Serra et al.'s maxout MIP (one per argument,
summing to 1), so a pattern is a 0/1 vector for every kind of unit.
"""

from __future__ import annotations

from fractions import Fraction

import numpy as np


class Activation:
    """The behaviour of one kind of unit (module docstring)."""

    name = ""
    rows_per_unit = 1          # rows of W (arguments) per unit
    bits_per_unit = 0          # pattern positions per unit
    hyperplanes_per_unit = 0   # comparison hyperplanes one unit adds to a cell (bounds)

    def apply(self, z: np.ndarray) -> np.ndarray:
        """Layer output for pre-activations z of shape (B, rows)."""
        raise NotImplementedError

    def pattern(self, z: np.ndarray) -> np.ndarray:
        """Pattern positions (bool, shape (B, units * bits_per_unit)) at pre-activations z."""
        raise NotImplementedError

    def exact_apply(self, z: list) -> list:
        """Layer output for one exact pre-activation vector (a list of rationals)."""
        raise NotImplementedError

    def clear(self, z: np.ndarray, band: np.ndarray, fixed: np.ndarray) -> np.ndarray:
        """Per point (row of z), whether every decision of the layer is beyond its error band
        (``band``, same shape as z), so the float pattern is the exact one and the point lies
        inside its cell; ``fixed`` (per row of W) marks rows decided whatever the point (a zero
        row, an argument identical to an earlier one). Identity: no decision."""
        return np.ones(z.shape[0], dtype=bool)

    def exact_pattern(self, z: list) -> list[bool]:
        """Pattern positions at one exact pre-activation vector (identity: none)."""
        return []

    def select(self, bits: np.ndarray, rows: int) -> np.ndarray | None:
        """The 0/1 matrix S with h = S z on a cell whose positions in this layer are ``bits``
        (shape (units, rows)); None for the identity (S = I)."""
        raise NotImplementedError

    def comparisons(self, rows: int) -> tuple[np.ndarray, np.ndarray]:
        """The layer's decisions as pairs of arguments (I, J), one per comparison z_I - z_J whose
        sign the pattern depends on; J = -1 is the constant 0 (a relu unit's second argument).
        Identity: none."""
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)

    def passed_rows(self, bits: np.ndarray, rows: int) -> np.ndarray:
        """:meth:`chosen` as an int array, -1 for the constant 0 (vectorised)."""
        return np.array([-1 if r is None else r for r in self.chosen(bits, rows)], dtype=np.int64)

    def chosen(self, bits: np.ndarray, rows: int) -> list[int | None]:
        """For each output unit, the row it passes on over the cell (None: the constant 0)."""
        S = self.select(np.asarray(bits, dtype=bool), rows)
        if S is None:
            return list(range(rows))
        return [int(np.argmax(r)) if r.any() else None for r in S]

    def bounds(self, L: list, U: list) -> tuple[list, list]:
        """Interval bounds of the layer's output from those [L, U] of its pre-activations."""
        return L, U

    def spec(self) -> dict:
        """Extra keys of the layer in the network file."""
        return {}

    def label(self) -> str:
        return self.name


class Identity(Activation):
    name = "identity"

    def apply(self, z):
        return z

    def pattern(self, z):
        return np.zeros((z.shape[0], 0), dtype=bool)

    def exact_apply(self, z):
        return list(z)

    def select(self, bits, rows):
        return None

    def passed_rows(self, bits, rows):
        return np.arange(rows)


class Relu(Activation):
    name = "relu"
    bits_per_unit = 1
    hyperplanes_per_unit = 1

    def apply(self, z):
        return np.maximum(z, 0.0)

    def pattern(self, z):
        return z > 0

    def exact_apply(self, z):
        return [v if v > 0 else Fraction(0) for v in z]

    def bounds(self, L, U):
        return [max(v, 0 * v) for v in L], [max(v, 0 * v) for v in U]

    def exact_pattern(self, z):
        return [v > 0 for v in z]

    def clear(self, z, band, fixed):
        return ((np.abs(z) > band) | fixed[None, :]).all(axis=1)

    def select(self, bits, rows):
        return np.diag(np.asarray(bits, dtype=float))

    def comparisons(self, rows):
        return np.arange(rows), np.full(rows, -1)

    def passed_rows(self, bits, rows):
        return np.where(np.asarray(bits, dtype=bool), np.arange(rows), -1)


class Maxout(Activation):
    name = "maxout"

    def __init__(self, rank: int):
        self.rank = rank
        self.rows_per_unit = rank
        self.bits_per_unit = rank
        self.hyperplanes_per_unit = rank * (rank - 1) // 2

    def apply(self, z):
        return z.reshape(z.shape[0], -1, self.rank).max(axis=2)

    def pattern(self, z):
        k = self.rank
        idx = z.reshape(z.shape[0], -1, k).argmax(axis=2)       # numpy: the first maximum
        return (idx[:, :, None] == np.arange(k)[None, None, :]).reshape(z.shape[0], -1)

    def exact_apply(self, z):
        k = self.rank
        return [max(z[u * k: u * k + k]) for u in range(len(z) // k)]

    def clear(self, z, band, fixed):
        """The largest argument beats the second by more than both their bands (arguments in
        ``fixed``, identical to an earlier one, never compete)."""
        k = self.rank
        zz = np.where(fixed[None, :], -np.inf, z).reshape(z.shape[0], -1, k)
        bb = band.reshape(z.shape[0], -1, k)
        order = np.argsort(-zz, axis=2)
        top = np.take_along_axis(zz, order[:, :, :1], axis=2)[..., 0]
        second = np.take_along_axis(zz, order[:, :, 1:2], axis=2)[..., 0]
        btop = np.take_along_axis(bb, order[:, :, :1], axis=2)[..., 0]
        bsec = np.take_along_axis(bb, order[:, :, 1:2], axis=2)[..., 0]
        return ((top - second > btop + bsec) | ~np.isfinite(second)).all(axis=1)

    def bounds(self, L, U):
        k = self.rank
        return ([max(L[u * k: u * k + k]) for u in range(len(L) // k)],
                [max(U[u * k: u * k + k]) for u in range(len(U) // k)])

    def never_chosen(self, L, U) -> list[bool]:
        """Arguments that cannot attain the maximum anywhere: U_j < max_{m != j} L_m."""
        k = self.rank
        out = []
        for u in range(len(L) // k):
            for j in range(u * k, u * k + k):
                out.append(any(U[j] < L[m] for m in range(u * k, u * k + k) if m != j))
        return out

    def exact_pattern(self, z):
        k = self.rank
        out = []
        for u in range(len(z) // k):
            args = z[u * k: u * k + k]
            best = args.index(max(args))            # the first maximum
            out.extend(j == best for j in range(k))
        return out

    def select(self, bits, rows):
        S = np.zeros((rows // self.rank, rows))
        for u in range(rows // self.rank):
            S[u, u * self.rank: (u + 1) * self.rank] = bits[u * self.rank: (u + 1) * self.rank]
        return S

    def comparisons(self, rows):
        k = self.rank
        i, j = np.triu_indices(k, 1)
        base = np.repeat(np.arange(0, rows, k), len(i))
        return base + np.tile(i, rows // k), base + np.tile(j, rows // k)

    def passed_rows(self, bits, rows):
        k = self.rank
        return np.arange(0, rows, k) + np.asarray(bits, dtype=bool).reshape(-1, k).argmax(axis=1)

    def argument(self, bits) -> list[int]:
        """The chosen argument of each unit from its one-hot positions."""
        b = np.asarray(bits, dtype=bool).reshape(-1, self.rank)
        return [int(np.argmax(r)) for r in b]

    def spec(self):
        return {"rank": self.rank}

    def label(self):
        return f"maxout{self.rank}"

    def __eq__(self, other):
        return isinstance(other, Maxout) and other.rank == self.rank

    def __hash__(self):
        return hash(("maxout", self.rank))


RELU, IDENTITY = Relu(), Identity()
ACTIVATIONS = ("relu", "identity", "maxout")


def activation(name: str, rank: int | None = None) -> Activation:
    """The :class:`Activation` of a layer's ``activation`` name (and ``rank`` for maxout)."""
    if name == "relu":
        return RELU
    if name == "identity":
        return IDENTITY
    if name == "maxout":
        return Maxout(int(rank))
    raise KeyError(name)


__all__ = ["Activation", "Identity", "Relu", "Maxout", "activation", "ACTIVATIONS"]
