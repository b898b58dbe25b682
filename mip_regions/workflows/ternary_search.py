"""Exact maxima over all ternary networks of a small architecture with n0 >= 2 inputs, over all
of R^n0 (issue 16; n0 = 1 is whole_line.search_ternary, by exact breakpoints).

Every network with weights and biases in {-1, 0, 1} (output bias irrelevant) is a hidden
configuration and an output row. Exact reductions, each a bijection of R^n0 or of the network
that keeps the three counts:

* the units of a hidden layer as a multiset (permuting units changes no region or map);
* the output row up to sign (F and -F have the same regions and the same number of maps);
* the first layer up to the signed permutations of the inputs (x -> P S x, S = diag(+-1), a
  linear bijection of R^n0 that maps regions to regions and adjacencies to adjacencies): only
  the configurations whose first layer is the least of its 2^n0 n0! images are counted.

Each configuration is counted over R^n0 on its certified box (whole_space.py), once per output
row, with the linear-region analysis (touch connectivity). Configurations are independent, so
they run in chunks on Dask when workers are given.
"""

from __future__ import annotations

import itertools
import math
import time

from ..errors import MipRegionsError
from ..nets.network import network_from_lists, with_domain
from .whole_line import SearchResult, _rows


def _input_images(rows, n0):
    """The first layer's rows (w_1..w_n0, b) under every signed permutation of the inputs, each as
    a sorted tuple (a multiset)."""
    out = []
    for perm in itertools.permutations(range(n0)):
        for signs in itertools.product((1, -1), repeat=n0):
            out.append(tuple(sorted(tuple(signs[j] * r[perm[j]] for j in range(n0)) + (r[n0],) for r in rows)))
    return out


def canonical_first_layers(n0: int, width: int) -> list[tuple]:
    """The first-layer multisets that are least among their input-symmetry images."""
    keep = []
    for rows in itertools.combinations_with_replacement(_rows(n0), width):
        rows = tuple(sorted(rows))
        if rows == min(_input_images(rows, n0)):
            keep.append(rows)
    return keep


def output_rows(width: int) -> list[tuple]:
    """Output rows up to sign (the zero row once)."""
    return [v for v in itertools.product((-1, 0, 1), repeat=width) if v > tuple(-x for x in v) or not any(v)]


def configurations(arch):
    """Every (reduced) hidden configuration of ``arch`` = [n0, n_1, ..., n_L, 1]."""
    hidden = arch[1:-1]
    first = canonical_first_layers(arch[0], hidden[0])
    rest = [list(itertools.combinations_with_replacement(_rows(a), b)) for a, b in zip(hidden[:-1], hidden[1:])]
    return itertools.product(first, *rest)


def search_size_nd(arch) -> tuple[int, int]:
    """(3^P, configurations x output rows searched after the reductions)."""
    hidden = arch[1:-1]
    n_params = sum((a + 1) * b for a, b in zip(arch[:-2], hidden)) + hidden[-1]
    n_cfg = len(canonical_first_layers(arch[0], hidden[0]))
    for a, b in zip(hidden[:-1], hidden[1:]):
        n_cfg *= math.comb(3 ** (a + 1) + b - 1, b)
    return 3 ** n_params, n_cfg * len(output_rows(hidden[-1]))


def score_configuration(arch, config) -> list[tuple[str, int, list]]:
    """(quantity, value, layers) for every output row of one hidden configuration, over R^n0."""
    from ..counting import count_regions
    from .whole_space import count_whole_space
    n0, hidden = arch[0], arch[1:-1]
    layers = [([list(r[:-1]) for r in rows], [r[-1] for r in rows], "relu") for rows in config]
    out = []
    box = None
    for v in output_rows(hidden[-1]):
        full = layers + [([list(v)], [0], "identity")]
        net = network_from_lists(full, [-1] * n0, [1] * n0)
        if box is None:     # the certified box depends on the hidden layers only; its count is the first row's
            r, _, box, *_ = count_whole_space(net, "vertex", linear=True)
        else:
            r = count_regions(with_domain(net, [-box] * n0, [box] * n0), "vertex", linear=True, progress=False)
        out += [("activation_regions", r.activation_regions, full), ("linear_regions", r.linear_regions, full),
                ("affine_maps", r.affine_maps, full)]
    return out


def search_ternary_nd(arch, *, client=None, chunk: int = 64, progress=None) -> SearchResult:
    """Exact maxima of the three counts over R^n0 of all ternary networks of ``arch`` (module
    docstring); on ``client`` (a distributed.Client) in chunks of ``chunk`` configurations."""
    if len(arch) < 3 or arch[0] < 2 or arch[-1] != 1 or min(arch) < 1:
        raise MipRegionsError(f"search ternary: --arch {'-'.join(map(str, arch))}: expected n0-n_1-...-n_L-1 "
                              "(at least one hidden layer, one output)")
    t0 = time.perf_counter()
    full, searched = search_size_nd(arch)
    res = SearchResult(list(arch), full_size=full, searched=searched)
    configs = list(configurations(arch))
    chunks = [configs[k: k + chunk] for k in range(0, len(configs), chunk)]
    if client is None:
        results = (_score_chunk(arch, c) for c in chunks)
    else:
        from distributed import as_completed
        futs = [client.submit(_score_chunk, arch, c, pure=False) for c in chunks]
        results = (f.result() for f in as_completed(futs))
    done = 0
    for scored in results:
        for name, val, layers in scored:
            best = res.best.get(name)
            if best is None or val > best[0] or (val == best[0] and _key(layers) < _key(best[1])):
                res.best[name] = (val, layers)
        done += 1
        if progress is not None:
            progress(done * chunk)
    res.seconds = time.perf_counter() - t0
    return res


def _key(layers):
    """A fixed order on witnesses, so the witness of a maximum does not depend on the run order."""
    return repr(layers)


def _score_chunk(arch, configs):
    out = []
    for cfg in configs:
        out.extend(score_configuration(arch, cfg))
    return out
