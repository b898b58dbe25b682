"""The project's one network type: affine layers (W, b, activation) over a box domain.

A network computes ``h^0 = x``, ``h^l = g_l(W^l h^{l-1} + b^l)`` for l = 1..L with
``g_l`` in {relu, identity, maxout of rank k} (nets/activations.py); the last layer is the
output map and must be ``identity``.
Depth L is the number of affine maps (the ternary paper's convention, REFERENCE.md §0).

Every network has one exact value: its numbers as rationals. Integers and "p/q" strings (or
:class:`fractions.Fraction`) are kept as written; a float is the dyadic rational its float64
value is (``Fraction(0.3)`` = 5404319552844595/2^54, not 3/10). :meth:`Network.rational_layers`
and :meth:`Network.exact_domain` give that exact network, and every engine counts its cells.
The float64 arrays are for fast, filtered computation; ``is_exact`` only says whether every
number was *written* as an integer or a rational (files are written back the same way).
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import Iterable, Sequence

import numpy as np

from ..errors import NetworkError
from .sparse import (SPARSE_EXACT_LIMIT, check_exact_form, dense_array, dense_weights,  # noqa: F401
                     is_sparse, stored_values)
from .activations import ACTIVATIONS, Activation, activation as make_activation
from .numbers import _parse_vector, parse_number  # noqa: F401  (parse_number is re-exported)


@dataclass(frozen=True, eq=False)
class Box:
    """The input domain ``{x : lower <= x <= upper}``, with ``lower < upper`` in every coordinate."""

    lower: np.ndarray
    upper: np.ndarray
    exact_lower: tuple[Fraction, ...] | None = None
    exact_upper: tuple[Fraction, ...] | None = None

    @classmethod
    def from_numbers(cls, lower: Sequence, upper: Sequence, *, source=None) -> "Box":
        lo, elo = _parse_vector(lower, where=dict(source=source, field="domain.lower"))
        hi, ehi = _parse_vector(upper, where=dict(source=source, field="domain.upper"))
        if lo.shape != hi.shape:
            raise NetworkError(f"lower has {lo.size} entries and upper has {hi.size}",
                               source=source, field="domain")
        if lo.size == 0:
            raise NetworkError("the domain has no coordinates", source=source, field="domain")
        bad = [j for j in range(lo.size) if not lo[j] < hi[j]]
        if bad:
            j = bad[0]
            raise NetworkError(f"lower >= upper in coordinate {j} ({lo[j]:g} >= {hi[j]:g}); "
                               "the domain must be a box with non-empty interior",
                               source=source, field="domain")
        return cls(lo, hi, elo, ehi)

    @property
    def dim(self) -> int:
        return int(self.lower.size)

    @property
    def is_exact(self) -> bool:
        return self.exact_lower is not None and self.exact_upper is not None

    def bounds_text(self, j: int) -> tuple[str, str]:
        if self.is_exact:
            return str(self.exact_lower[j]), str(self.exact_upper[j])
        return f"{self.lower[j]:g}", f"{self.upper[j]:g}"

    def describe(self) -> str:
        """Human form, e.g. ``[0, 1]^2`` or ``[0, 1] x [-1, 2]``."""
        parts = [f"[{a}, {b}]" for a, b in (self.bounds_text(j) for j in range(self.dim))]
        if len(set(parts)) == 1 and self.dim > 1:
            return f"{parts[0]}^{self.dim}"
        return " x ".join(parts)

    def to_json(self) -> dict:
        def enc(xs, exact):
            if exact is not None:
                return [int(e) if e.denominator == 1 else str(e) for e in exact]
            return [float(v) for v in xs]
        return {"lower": enc(self.lower, self.exact_lower), "upper": enc(self.upper, self.exact_upper)}


@dataclass(frozen=True, eq=False)
class Layer:
    """One affine map ``h -> g(W h + b)`` with ``W`` of shape (rows, n_in): one row per unit,
    or ``rank`` consecutive rows per unit for maxout (nets/activations.py)."""

    weights: np.ndarray
    bias: np.ndarray
    activation: str
    exact_weights: tuple[tuple[Fraction, ...], ...] | None = None
    exact_bias: tuple[Fraction, ...] | None = None
    rank: int = 1

    @classmethod
    def from_numbers(cls, weights, bias, activation: str, *, rank=None, index=None, source=None) -> "Layer":
        """Build a layer from nested lists of ints, floats, Fractions or "p/q" strings; ``rank``
        is required for (and only allowed with) ``activation="maxout"``."""
        where = dict(source=source, layer=index)
        if activation not in ACTIVATIONS:
            raise NetworkError(f"unknown activation {activation!r} (allowed: {', '.join(ACTIVATIONS)})",
                               field="activation", **where)
        if activation == "maxout":
            if rank is None:
                raise NetworkError("a maxout layer needs \"rank\": k (arguments per unit, k >= 2)",
                                   field="rank", **where)
            if isinstance(rank, bool) or not isinstance(rank, (int, np.integer)) or rank < 2:
                raise NetworkError(f"must be an integer >= 2, got {rank!r}", field="rank", **where)
            rank = int(rank)
        elif rank is not None and not (rank == 1 and not isinstance(rank, bool)):
            raise NetworkError(f"only a maxout layer has a rank (this layer is {activation!r})",
                               field="rank", **where)
        else:
            rank = 1
        if isinstance(weights, np.ndarray) and weights.ndim == 2:
            weights = weights.tolist()
        if not isinstance(weights, (list, tuple)) or len(weights) == 0:
            raise NetworkError("expected a non-empty list of rows", field="weights", **where)
        rows, exact_rows = [], []
        for r, row in enumerate(weights):
            vec, ex = _parse_vector(row, where=dict(field=f"weights[{r}]", **where))
            rows.append(vec)
            exact_rows.append(ex)
        n_in = rows[0].size
        if n_in == 0:
            raise NetworkError("row 0 is empty", field="weights", **where)
        for r, vec in enumerate(rows):
            if vec.size != n_in:
                raise NetworkError(f"row {r} has {vec.size} entries, row 0 has {n_in}",
                                   field="weights", **where)
        b, exact_b = _parse_vector(bias, where=dict(field="bias", **where))
        if b.size != len(rows):
            raise NetworkError(f"has {b.size} entries, expected {len(rows)} (one per row of weights)",
                               field="bias", **where)
        if len(rows) % rank:
            raise NetworkError(f"has {len(rows)} rows, not a multiple of the rank {rank} "
                               f"(a maxout unit takes {rank} consecutive rows)", field="weights", **where)
        exact_w = None if any(e is None for e in exact_rows) else tuple(exact_rows)
        return cls(np.vstack(rows), b, activation, exact_w, exact_b, rank)

    @property
    def act(self) -> Activation:
        """What this layer's units do (nets/activations.py)."""
        a = self.__dict__.get("_act")
        if a is None:
            a = make_activation(self.activation, self.rank)
            object.__setattr__(self, "_act", a)
        return a

    @property
    def n_in(self) -> int:
        return int(self.weights.shape[1])

    @property
    def n_rows(self) -> int:
        """Rows of W: the pre-activations (``rank`` per unit for maxout)."""
        return int(self.weights.shape[0])

    @property
    def n_out(self) -> int:
        """Units: the width this layer passes on."""
        return int(self.weights.shape[0]) // self.rank

    @property
    def n_bits(self) -> int:
        """Pattern positions of this layer (0 for identity, one per relu unit, rank per maxout unit)."""
        return self.n_out * self.act.bits_per_unit

    @property
    def is_exact(self) -> bool:
        return self.exact_weights is not None and self.exact_bias is not None


class Network:
    """A feed-forward network of :class:`Layer` s over a :class:`Box` domain.

    ReLU units are indexed in layer order; an *activation pattern* is a 0/1 vector over them
    (identity layers contribute no bits, REFERENCE.md §6.1).
    """

    def __init__(self, layers: Sequence[Layer], domain: Box, name: str | None = None, *, source=None):
        layers = list(layers)
        if not layers:
            raise NetworkError("a network needs at least one layer (the output map)",
                               source=source, field="layers")
        n = domain.dim
        for i, layer in enumerate(layers):
            if layer.n_in != n:
                what = "input_dim" if i == 0 else f"the width of layer {i - 1}"
                raise NetworkError(f"weights have {layer.n_in} columns, expected {n} ({what})",
                                   source=source, layer=i, field="weights")
            n = layer.n_out
        if layers[-1].activation != "identity":
            raise NetworkError(f"the last layer is the output map and must have activation 'identity', "
                               f"got {layers[-1].activation!r}", source=source,
                               layer=len(layers) - 1, field="activation")
        self.layers = layers
        self.domain = domain
        self.name = name
        # one entry per pattern position: (layer, unit); a maxout unit owns `rank` positions
        self.relu_units = [(l, i) for l, layer in enumerate(layers)
                           for i in range(layer.n_out) for _ in range(layer.act.bits_per_unit)]
        offsets, k = [], 0
        for layer in layers:
            offsets.append(k)
            k += layer.n_bits
        self.relu_offset = offsets  # first pattern position of each layer (identity layers: none)

    # -- shape ----------------------------------------------------------------------------
    @property
    def input_dim(self) -> int:
        return self.domain.dim

    @property
    def output_dim(self) -> int:
        return self.layers[-1].n_out

    @property
    def depth(self) -> int:
        """Number of affine maps, including the output map (ternary paper's L)."""
        return len(self.layers)

    @property
    def widths(self) -> list[int]:
        return [layer.n_out for layer in self.layers]

    @property
    def num_relu(self) -> int:
        """Pattern positions: one per relu unit, ``rank`` per maxout unit (the MIP's binaries)."""
        return len(self.relu_units)

    @property
    def has_maxout(self) -> bool:
        return any(layer.activation == "maxout" for layer in self.layers)

    @property
    def is_exact(self) -> bool:
        """True when every weight, bias and domain bound was written as an integer or a rational
        (no floats). Engines do not depend on it: every network is counted exactly."""
        return self.domain.is_exact and all(layer.is_exact for layer in self.layers)

    def exact_domain(self) -> tuple[list[Fraction], list[Fraction]]:
        """The box's bounds as exact Fractions (floats taken at their exact binary value)."""
        d = self.domain
        if d.is_exact:
            return list(d.exact_lower), list(d.exact_upper)
        return [Fraction(float(v)) for v in d.lower], [Fraction(float(v)) for v in d.upper]

    # -- evaluation -------------------------------------------------------------------------
    def preactivations(self, X) -> list[np.ndarray]:
        """Pre-activations ``W^l h^{l-1} + b^l`` of every layer for a batch X of shape (B, n0)."""
        h = np.atleast_2d(np.asarray(X, dtype=float))
        out = []
        for layer in self.layers:
            z = h @ layer.weights.T + layer.bias
            out.append(z)
            h = layer.act.apply(z)
        return out

    def forward(self, X) -> np.ndarray:
        """Network output F(X) for a batch X of shape (B, n0)."""
        return self.preactivations(X)[-1]

    def patterns(self, X) -> np.ndarray:
        """Activation patterns at the points X, shape (B, num_relu): ``[pre_i(x) > 0]`` for relu
        units, the one-hot argmax (lowest index on ties) for maxout units."""
        pres = self.preactivations(X)
        cols = [layer.act.pattern(pres[l]) for l, layer in enumerate(self.layers) if layer.n_bits]
        if not cols:
            return np.zeros((pres[0].shape[0], 0), dtype=bool)
        return np.concatenate(cols, axis=1)

    @property
    def is_integer(self) -> bool:
        """True when every weight and bias is an exact integer (exact maps can use Python ints)."""
        if not hasattr(self, "_is_integer"):
            def integral(layer):
                if layer.is_exact:
                    return (all(v.denominator == 1 for row in layer.exact_weights for v in row)
                            and all(v.denominator == 1 for v in layer.exact_bias))
                # a float64 equal to its rounding is an integer exactly: no Fractions needed
                w = stored_values(layer.weights)
                return bool(np.all(w == np.round(w))
                            and np.all(layer.bias == np.round(layer.bias)))
            self._is_integer = all(integral(layer) for layer in self.layers)
        return self._is_integer

    def exact_arrays(self) -> list[tuple[np.ndarray, np.ndarray]]:
        """``(W, b)`` of every layer as numpy object arrays of exact numbers: Python ints for
        integer networks, Fractions otherwise (see :meth:`rational_layers`); cached."""
        if not hasattr(self, "_exact_arrays"):
            conv = int if self.is_integer else (lambda v: v)
            self._exact_arrays = [(np.array([[conv(v) for v in row] for row in W], dtype=object),
                                   np.array([conv(v) for v in b], dtype=object))
                                  for W, b in self.rational_layers()]
        return self._exact_arrays

    def rational_layers(self) -> list[tuple[tuple, tuple]]:
        """``(weights, bias)`` of every layer as Fractions: the exact values for rational layers,
        the exact values of the stored float64 numbers otherwise (cached)."""
        if not hasattr(self, "_rational"):
            check_exact_form(self.layers)
            self._rational = [
                (layer.exact_weights, layer.exact_bias) if layer.is_exact else
                (tuple(tuple(Fraction(float(v)) for v in row) for row in dense_array(layer.weights)),
                 tuple(Fraction(float(v)) for v in layer.bias))
                for layer in self.layers]
        return self._rational

    def exact_preactivations(self, x: Iterable) -> list[list[Fraction]]:
        """Pre-activations z_l = W_l h_{l-1} + b_l of every layer in exact rational arithmetic at
        one point x (a sequence of rationals); float networks are evaluated exactly on their stored
        float64 values. One point of :meth:`exact_preactivations_at`."""
        return [z[0] for z in self.exact_preactivations_at([x])]

    def exact_preactivations_at(self, points: Iterable[Iterable]) -> list[list[list[Fraction]]]:
        """``out[l][j]``: layer l's pre-activations z_l = W_l h_{l-1} + b_l at point j, exactly,
        with h_l = act_l(z_l) (exact_apply). Each layer is one exact matrix product over all the
        points (nets/exact_matrices.py: fmpq_mat in C), not a Python loop of Fractions."""
        from .exact_matrices import exact_product
        h = [[Fraction(v) for v in x] for x in points]
        out = []
        for layer in self.layers:
            Y = exact_product(layer, h, bias=True) if h else []
            z = [[row[j] for row in Y] for j in range(len(h))]
            out.append(z)
            h = [layer.act.exact_apply(v) for v in z]
        return out

    def split_pattern(self, pattern: Sequence[int]) -> list[np.ndarray | None]:
        """Per-layer 0/1 vectors of a flat pattern (None for identity layers)."""
        parts = []
        for l, layer in enumerate(self.layers):
            if layer.n_bits:
                o = self.relu_offset[l]
                parts.append(np.asarray(pattern[o:o + layer.n_bits], dtype=bool))
            else:
                parts.append(None)
        return parts

    def pattern_text(self, pattern: Sequence[int]) -> str:
        """A pattern grouped by layer, e.g. ``10|01``: a relu unit's bit, a maxout unit's chosen
        argument (``m2.0.1`` style: ``m`` then the indices, dot-separated, for a maxout layer)."""
        out = []
        for layer, part in zip(self.layers, self.split_pattern(pattern)):
            if part is None:
                continue
            if layer.activation == "maxout":
                out.append("m" + ".".join(str(j) for j in layer.act.argument(part)))
            else:
                out.append("".join("1" if b else "0" for b in part))
        return "|".join(out)

    def describe(self) -> str:
        tag = {"relu": "", "identity": "id"}
        acts = "-".join(str(w) + tag.get(layer.activation, f"mx{layer.rank}")
                        for w, layer in zip(self.widths[:-1], self.layers[:-1]))
        arch = f"{self.input_dim}-{acts}-{self.output_dim}" if acts else f"{self.input_dim}-{self.output_dim}"
        return f"{self.name or 'network'} ({arch})"


def network_from_lists(layers, lower, upper, name=None, *, source=None) -> Network:
    """Build a :class:`Network` from ``[(weights, bias, activation[, rank]), ...]`` and domain bounds.

    Numbers may be ints, Fractions, "p/q" strings (kept exactly) or floats (approximate).
    """
    domain = Box.from_numbers(lower, upper, source=source)
    built = [Layer.from_numbers(spec[0], spec[1], spec[2], rank=spec[3] if len(spec) > 3 else None,
                                index=i, source=source) for i, spec in enumerate(layers)]
    return Network(built, domain, name, source=source)


def with_domain(net: Network, lower, upper) -> Network:
    """The same layers over another box (numbers as accepted by :meth:`Box.from_numbers`)."""
    return Network(net.layers, Box.from_numbers(lower, upper), net.name)
