"""Counting over the whole input space R for n0 = 1, and the exhaustive search for the exact
maxima over all ternary networks of a small 1-D architecture (issue 16, parts 3 and 5, n0 = 1).

Over R, exact1d's breakpoint propagation runs on (-inf, inf) (engines/exact/line.py,
``whole_line``): the pieces come left to right, each with its exact affine map, so

* activation regions: the pieces (distinct patterns: a pattern's set is an interval);
* affine maps: the distinct (slope, offset) of the output over the pieces;
* linear regions: the maximal runs of consecutive pieces with one map (in 1-D two closed pieces
  touch only when they are consecutive).

:func:`search_ternary` enumerates the networks n0=1 - n_1 - ... - n_L - 1 with every weight and
bias in {-1, 0, 1} (the output bias changes no count). Reductions, each exact:

* the units of a hidden layer are an unordered multiset (a permutation of units, with the next
  layer's columns, is the same function), so each layer runs over multisets of rows;
* the output weights run up to sign (f and -f have the same regions and maps), and the output
  row only matters for linear regions and maps: the pieces of a hidden configuration are
  computed once and every output row is scored on them.
"""

from __future__ import annotations

import itertools
import time
from dataclasses import dataclass, field
from fractions import Fraction

from ..engines.exact import pieces_1d
from ..nets.network import Network, network_from_lists


def whole_line_counts(net: Network) -> tuple[int, int, int]:
    """(activation regions, linear regions, affine maps) of a 1-D network over all of R."""
    if net.input_dim != 1:
        from ..errors import MipRegionsError
        raise MipRegionsError(f"counting over the whole space is implemented for n0 = 1 (this network has "
                              f"n0 = {net.input_dim})")
    (W, b) = net.rational_layers()[-1]
    pieces = list(pieces_1d(net, whole_line=True, maps=True))
    return _score(pieces, W, b)


def _score(pieces, W, b):
    maps = []
    for _, _, _, a, c in pieces:
        maps.append(tuple((sum((w * v for w, v in zip(row, a)), Fraction(0)),
                           sum((w * v for w, v in zip(row, c)), Fraction(bb))) for row, bb in zip(W, b)))
    runs = sum(1 for k in range(len(maps)) if k == 0 or maps[k] != maps[k - 1])
    return len(pieces), runs, len(set(maps))


@dataclass
class SearchResult:
    """The maxima, a witness network for each, and the search sizes."""
    arch: list[int]
    best: dict = field(default_factory=dict)          # quantity -> (value, network)
    full_size: int = 0                                # 3^P networks
    searched: int = 0                                 # hidden configurations x output rows tried
    seconds: float = 0.0


def _rows(n_in: int):
    """All ternary rows (weights then bias) over n_in inputs."""
    return list(itertools.product((-1, 0, 1), repeat=n_in + 1))


def search_ternary(arch, progress=None) -> SearchResult:
    """Exact maxima of activation regions, linear regions and affine maps over R of all ternary
    networks with the architecture ``arch`` = [1, n_1, ..., n_L, 1] (module docstring)."""
    if len(arch) < 3 or arch[0] != 1 or arch[-1] != 1 or min(arch) < 1:
        from ..errors import MipRegionsError
        raise MipRegionsError("search ternary needs an architecture 1-n_1-...-n_L-1 (n0 = 1, one output)")
    hidden = arch[1:-1]
    t0 = time.perf_counter()
    n_params = sum((a + 1) * b for a, b in zip(arch[:-2], hidden)) + hidden[-1]
    res = SearchResult(list(arch), full_size=3 ** n_params)
    layer_choices = [list(itertools.combinations_with_replacement(_rows(a), b))
                     for a, b in zip(arch[:-2], hidden)]
    outs = [v for v in itertools.product((-1, 0, 1), repeat=hidden[-1]) if v > tuple(-x for x in v) or not any(v)]
    done = 0
    for config in itertools.product(*layer_choices):
        layers = [([list(r[:-1]) for r in rows], [r[-1] for r in rows], "relu") for rows in config]
        net = network_from_lists(layers + [([[1] * hidden[-1]], [0], "identity")], [-1], [1])
        pieces = list(pieces_1d(net, whole_line=True, maps=True))
        for v in outs:
            ar, lr, mp = _score(pieces, [[Fraction(x) for x in v]], [Fraction(0)])
            for name, val in (("activation_regions", ar), ("linear_regions", lr), ("affine_maps", mp)):
                if name not in res.best or val > res.best[name][0]:
                    res.best[name] = (val, layers + [([list(v)], [0], "identity")])
            res.searched += 1
        done += 1
        if progress is not None:
            progress(done)
    res.seconds = time.perf_counter() - t0
    return res


def search_size(arch) -> tuple[int, int]:
    """(3^P, the number of (hidden multiset configuration, output row up to sign) pairs searched)."""
    hidden = arch[1:-1]
    n_params = sum((a + 1) * b for a, b in zip(arch[:-2], hidden)) + hidden[-1]
    configs = 1
    for a, b in zip(arch[:-2], hidden):
        from math import comb
        configs *= comb(3 ** (a + 1) + b - 1, b)
    return 3 ** n_params, configs * ((3 ** hidden[-1] - 1) // 2 + 1)


__all__ = ["whole_line_counts", "search_ternary", "search_size", "SearchResult"]
