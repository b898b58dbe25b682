"""Upper and lower bounds on the number of linear regions (exact Python integers).

Formulas and sources: ../shared/REFERENCE.md §1-§3. Conventions, stated per function:

* "hidden widths" ``widths = [n_1, ..., n_L]`` are the hidden ReLU layers (Serra / Montúfar
  convention: the output map is not counted);
* the ternary paper's depth ``L`` counts affine maps (output map included), so L = hidden + 1;
* an architecture may interleave identity layers: they add no hyperplanes and only cap the
  dimension (``d <- min(d, m)``, REFERENCE §2), given as ``(width, "identity")`` entries, and
  maxout layers of rank k, ``(width, "maxout", k)`` (width = units); the relu-only bounds refuse
  maxout layers, :func:`serra2018_maxout` covers them.

Upper bounds hold for every network of the architecture on all of R^n0 (hence on any box).
Lower bounds are on the *maximum over all weights* of the architecture: a particular network can
have fewer regions. Every function refuses inputs outside its conditions with
:class:`BoundError` instead of returning a number that does not hold.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import product
from math import comb, prod

from ..errors import MipRegionsError
from ..nets.activations import activation


class BoundError(MipRegionsError):
    """The bound does not apply to these arguments (its conditions are named)."""


def _check(n0, widths):
    if isinstance(n0, bool) or not isinstance(n0, int) or n0 < 1:
        raise BoundError(f"n0 must be a positive integer, got {n0!r}")
    widths = list(widths)
    if not widths or any(isinstance(n, bool) or not isinstance(n, int) or n < 1 for n in widths):
        raise BoundError(f"widths must be a non-empty list of positive integers, got {widths!r}")
    return widths


def _arch(n0, layers, *, maxout: bool = False):
    """Normalise an architecture: ints are ReLU widths, (m, 'identity') entries cap the dimension,
    (m, 'maxout', k) are maxout layers (refused unless ``maxout``). Returns (m, act) pairs, or
    (m, act, k) triples (k = 1 for relu and identity) with ``maxout=True``."""
    out = []
    for item in layers:
        if isinstance(item, tuple):
            m, act, k = (tuple(item) + (1,))[:3]
        else:
            m, act, k = item, "relu", 1
        if act not in ("relu", "identity", "maxout"):
            raise BoundError(f"unknown activation {act!r}")
        if act == "maxout":
            if isinstance(k, bool) or not isinstance(k, int) or k < 2:
                raise BoundError(f"a maxout layer needs an integer rank >= 2, got {k!r}")
            if not maxout:
                raise BoundError("this bound is for ReLU networks (the architecture has maxout layers)")
        out.append((m, act, k))
    _check(n0, [m for m, _, _ in out])
    return out if maxout else [(m, a) for m, a, _ in out]


def zaslavsky(n0: int, n: int) -> int:
    """One hidden layer of n ReLUs on R^n0 (Zaslavsky 1975; exact maximum):
    ``sum_{j=0}^{n0} C(n, j)``."""
    _check(n0, [n])
    return sum(comb(n, j) for j in range(n0 + 1))


def trivial(n0: int, widths) -> int:
    """The number of activation patterns: ``2^N`` with N the number of ReLU units (Montúfar et
    al. 2014), times ``k^M`` for M maxout units of rank k."""
    return prod(2 ** m if act == "relu" else k ** m if act == "maxout" else 1
                for m, act, k in _arch(n0, widths, maxout=True))


def serra2018_maxout(n0: int, widths) -> int:
    """Serra, Tjandraatmadja & Ramalingam 2018, the maxout bound:
    ``prod_{l=1}^{L} sum_{j=0}^{d_l} C(k(k-1)/2 * n_l, j)``, ``d_l = min(n0, n_1, ..., n_l)``:
    a rank-k unit splits a cell by at most k(k-1)/2 hyperplanes (its argument comparisons). A
    relu layer counts one hyperplane per unit (k = 2), so with k = 2 everywhere this is Montúfar
    2017; identity layers only cap d."""
    d, total = n0, 1
    for m, act, k in _arch(n0, widths, maxout=True):
        d = min(d, m)
        if act == "identity":
            continue
        h = m * activation(act, k).hyperplanes_per_unit   # k(k-1)/2 for maxout, 1 for relu
        total *= sum(comb(h, j) for j in range(d + 1))
    return total


def montufar2017(n0: int, widths) -> int:
    """Montúfar 2017: ``prod_l sum_{j=0}^{d_l} C(n_l, j)``, ``d_l = min(n0, n_1, ..., n_l)``
    (hidden widths; identity layers only lower d)."""
    d, total = n0, 1
    for m, act in _arch(n0, widths):
        d = min(d, m)
        if act == "relu":
            total *= sum(comb(m, j) for j in range(d + 1))
    return total


def serra2018(n0: int, widths, ranks=None) -> int:
    """Serra, Tjandraatmadja & Ramalingam 2018, Theorem 1 (hidden widths), as the histogram DP:
    ``sum_{(j_1..j_L) in J} prod_l C(n_l, j_l)``,
    ``J = {0 <= j_l <= min(n0, n_1 - j_1, ..., n_{l-1} - j_{l-1}, n_l)}``; with known ranks the
    last entry n_l of the min becomes rank(W^l). Identity layers cap the dimension.

    The histogram maps a dimension d to the number of index prefixes that leave it; a layer of
    width m sends d to d (for j <= m - d, summed at once by prefix sums of C(m, j)) and to m - j
    (for m - d < j <= d, grouped by j with suffix sums over d), so a layer costs O(n0) big-integer
    products (784 inputs and 16 layers of 1024: well under a second)."""
    arch = _arch(n0, widths)
    ranks = list(ranks) if ranks is not None else [None] * len(arch)
    hist = {n0: 1}
    for (m, act), r in zip(arch, ranks):
        new: dict[int, int] = {}
        if act == "identity":
            for d, cnt in hist.items():
                new[min(d, m)] = new.get(min(d, m), 0) + cnt
        else:
            r = m if r is None else r
            top = min(max(hist), r)
            C = [comb(m, j) for j in range(top + 1)]
            S = [0] * (top + 2)                   # prefix sums: S[k] = sum_{j < k} C(m, j)
            for j, c in enumerate(C):
                S[j + 1] = S[j] + c
            for d, cnt in hist.items():          # j <= m - d: the dimension stays d
                low = min(d, r, m - d)
                if low >= 0:
                    new[d] = new.get(d, 0) + cnt * S[low + 1]
            dmax = max(hist)
            T = [0] * (dmax + 2)                  # suffix sums: T[k] = sum_{d >= k} hist[d]
            for d in range(dmax, -1, -1):
                T[d] = T[d + 1] + hist.get(d, 0)
            for j in range(top + 1):              # j > m - d (and j <= d): it drops to m - j
                k = max(j, m - j + 1)
                if k <= dmax and T[k]:
                    new[m - j] = new.get(m - j, 0) + C[j] * T[k]
        hist = new
    return sum(hist.values())


def activation_bound(n0: int, layers) -> int:
    """Serra & Ramalingam 2020 (AAAI; arXiv 1810.03370), the activation-based upper bound on the
    activation regions of one trained network, in this form: ``layers`` are the hidden layers as
    ``("relu", u, s, A)`` (u units whose sign changes over the domain, s units always active,
    at most A units active at once anywhere; engines/mip/max_active.py finds them) or
    ``("identity", m)``. A region whose image has dimension d is cut by the u hyperplanes of a
    relu layer into at most ``T(d) = sum_{j=0}^{min(d, u)} C(u, j)`` pieces (Zaslavsky); pieces
    have distinct patterns, so at most ``C(u, k)`` of them have k of the u units active, with
    ``k <= A - s``; a piece with k active leaves an image of dimension ``<= min(d, s + k)``.
    The count downstream only grows with the dimension, so the worst case takes the pieces with
    the most active units first: C(u, K), C(u, K - 1), ... (K = min(u, A - s)) until T(d) is
    used up. The bound is that histogram recursion (identity layers cap d at m). With s = 0 and
    A = u = n_l everywhere the pieces are C(n, n - j), j = 0..d, i.e. exactly Serra et al. 2018's
    Theorem 1 (:func:`serra2018`), and any A_l < n_l, stable unit or stably inactive unit only
    lowers it."""
    if isinstance(n0, bool) or not isinstance(n0, int) or n0 < 1:
        raise BoundError(f"n0 must be a positive integer, got {n0!r}")
    hist = {n0: 1}
    for item in layers:
        if item[0] == "identity":
            m = item[1]
            new: dict[int, int] = {}
            for d, cnt in hist.items():
                new[min(d, m)] = new.get(min(d, m), 0) + cnt
            hist = new
            continue
        if item[0] != "relu":
            raise BoundError(f"the activation-based bound is for relu and identity layers, got {item[0]!r}")
        _, u, s, A = item
        if min(u, s, A) < 0 or A < s or A > s + u:
            raise BoundError(f"a relu layer needs 0 <= s <= A <= s + u, got u={u}, s={s}, A={A}")
        C = [comb(u, k) for k in range(u + 1)]
        top = min(u, A - s)
        new = {}
        for d, cnt in hist.items():
            left = sum(C[: min(d, u) + 1])         # Zaslavsky: pieces of a d-dimensional region
            for k in range(top, -1, -1):
                take = min(C[k], left)
                if take:
                    e = min(d, s + k)
                    new[e] = new.get(e, 0) + cnt * take
                left -= take
                if not left:
                    break
        hist = new
    return sum(hist.values())


def serra2018_sum(n0: int, widths) -> int:
    """The literal J-sum of Serra et al. Theorem 1 (ReLU widths only; for testing the DP)."""
    widths = _check(n0, widths)
    total = 0
    for js in product(*(range(n + 1) for n in widths)):
        cap, ok = n0, True
        for j, n in zip(js, widths):
            if j > min(cap, n):
                ok = False
                break
            cap = min(cap, n - j)
        if ok:
            total += prod(comb(n, j) for j, n in zip(js, widths))
    return total


def exact_1d(widths) -> int:
    """n0 = 1: the maximum is exactly ``prod_l (n_l + 1)`` for hidden widths n_l >= 3
    (Serra et al. 2018, Thm 5 of the ICLR text)."""
    widths = _check(1, widths)
    if any(n < 3 for n in widths):
        raise BoundError("the n0 = 1 exact maximum prod(n_l + 1) needs every hidden width >= 3")
    return prod(n + 1 for n in widths)


def montufar2014_lower(n0: int, widths) -> int:
    """Montúfar, Pascanu, Cho & Bengio 2014 (full form; hidden widths, all ReLU), needs n_l >= n0:
    ``(prod_{l<L} floor(n_l / n0)^n0) * sum_{j=0}^{n0} C(n_L, j)``."""
    widths = _check(n0, widths)
    if any(n < n0 for n in widths):
        raise BoundError(f"Montúfar et al. 2014 needs every hidden width >= n0 = {n0}")
    return prod((n // n0) ** n0 for n in widths[:-1]) * sum(comb(widths[-1], j) for j in range(n0 + 1))


def prop1_lower(n0: int, width: int, depth: int) -> int:
    """Ternary paper, Proposition 1 (eq. 4): ``p^(n0 (L - 1))`` with ``p = floor(n / n0)``,
    depth L = number of affine maps (>= 2), every hidden layer ReLU of width n >= n0."""
    _check(n0, [width])
    if isinstance(depth, bool) or not isinstance(depth, int) or depth < 2:
        raise BoundError(f"depth L counts affine maps and must be >= 2, got {depth!r}")
    if width < n0:
        raise BoundError(f"Proposition 1 needs width n >= n0 = {n0}")
    return (width // n0) ** (n0 * (depth - 1))


def ternary_lower(n0: int, width: int, depth: int) -> int:
    """Ternary paper, main theorem (eq. 11, reconstructed in REFERENCE.md §3.6):
    ``q^(n0 (L' - 1) / 2)`` with ``q = floor(n' / (2 (n0 + 1)))``, odd depth L' >= 3 (affine
    maps), uniform hidden width n', identity activation in odd hidden layers and ReLU in even
    ones, all weights and biases in {-1, 0, 1}."""
    _check(n0, [width])
    if isinstance(depth, bool) or not isinstance(depth, int) or depth < 3 or depth % 2 == 0:
        raise BoundError(f"the ternary theorem needs an odd depth L' >= 3, got {depth!r}")
    q = width // (2 * (n0 + 1))
    if q < 1:
        raise BoundError(f"the ternary theorem needs n' >= 2 (n0 + 1) = {2 * (n0 + 1)}")
    return q ** (n0 * (depth - 1) // 2)


def ternary_lower_arch(n0: int, layers) -> int:
    """The ternary theorem for an identity/ReLU-alternating architecture of any widths:
    ``q^(n0 (L' - 1) / 2)`` with ``q = min(min over identity layers floor(m / (2 (n0 + 1))),
    min over ReLU layers floor(m / n0))``. The construction (eqs. 12-15) fits whenever every
    identity layer has >= 2q(n0+1) units and every ReLU layer >= q n0 (padding with zero
    units), so for a uniform width n' this is exactly :func:`ternary_lower`."""
    arch = _arch(n0, layers)
    if len(arch) % 2 or any(a != ("identity" if k % 2 == 0 else "relu") for k, (_, a) in enumerate(arch)):
        raise BoundError("the ternary theorem needs hidden layers identity, ReLU, identity, ReLU, ...")
    q = min(min(m // (2 * (n0 + 1)) for m, a in arch if a == "identity"),
            min(m // n0 for m, a in arch if a == "relu"))
    if q < 1:
        raise BoundError(f"the ternary construction needs identity layers >= {2 * (n0 + 1)} and ReLU "
                         f"layers >= {n0} units")
    return q ** (n0 * len(arch) // 2)


def serra2018_lower(n0: int, widths) -> int:
    """Serra et al. 2018 lower bound (hidden widths, all ReLU), needs n_l >= 3 n0:
    ``(prod_{l<L} (floor(n_l / n0) + 1)^n0) * sum_{j=0}^{n0} C(n_L, j)``."""
    widths = _check(n0, widths)
    if any(n < 3 * n0 for n in widths):
        raise BoundError(f"Serra et al.'s lower bound needs every hidden width >= 3 n0 = {3 * n0}")
    return prod((n // n0 + 1) ** n0 for n in widths[:-1]) * sum(comb(widths[-1], j) for j in range(n0 + 1))


@dataclass
class BoundRow:
    """One bound of the table: name, kind, value (None when it does not apply) and its note."""

    name: str
    kind: str            # "upper" or "lower (max over weights)"
    value: int | None
    note: str            # source and conditions, or why it does not apply

    def to_json(self):
        return {"name": self.name, "kind": self.kind, "value": self.value, "note": self.note}


def bound_table(n0: int, layers) -> list[BoundRow]:
    """Every bound for an architecture ``layers`` = hidden layers as ints (ReLU widths) or
    ``(width, 'relu'|'identity')`` pairs; inapplicable bounds are listed with the reason."""
    full = _arch(n0, layers, maxout=True)
    acts = [a for _, a, _ in full]
    rows: list[BoundRow] = []

    def add(name, kind, fn, note):
        try:
            rows.append(BoundRow(name, kind, fn(), note))
        except BoundError as exc:
            rows.append(BoundRow(name, kind, None, f"does not apply: {exc}"))

    up = "upper"
    if "maxout" in acts:
        add("Serra et al. 2018, maxout", up, lambda: serra2018_maxout(n0, full),
            "ICML 2018; k(k-1)/2 hyperplanes per rank-k unit, one per ReLU")
        add("number of patterns", up, lambda: trivial(n0, full), "2^(ReLU units) k^(maxout units)")
        return rows   # the relu-only bounds below do not apply (Montúfar, Ren & Zhang's sharp
        # one-layer maxout count is not included: its exact statement is not reproduced here)
    arch = [(m, a) for m, a, _ in full]
    relu = [m for m, a in arch if a == "relu"]
    add("Serra et al. 2018, Thm 1", up, lambda: serra2018(n0, arch), "ICML 2018; identity layers cap the dimension")
    add("Montúfar 2017", up, lambda: montufar2017(n0, arch), "SampTA 2017")
    add("2^N", up, lambda: trivial(n0, arch), "number of activation patterns")
    if len(relu) == 1 and all(a == "relu" for a in acts):
        add("Zaslavsky (one layer, exact max)", up, lambda: zaslavsky(n0, relu[0]), "Zaslavsky 1975")
    if n0 == 1 and all(a == "relu" for a in acts):
        add("n0 = 1 exact max prod(n_l + 1)", up, lambda: exact_1d(relu), "Serra et al. 2018; widths >= 3")
    lo = "lower (max over weights)"
    if all(a == "relu" for a in acts):
        add("Montúfar et al. 2014", lo, lambda: montufar2014_lower(n0, relu), "NIPS 2014, full form; n_l >= n0")
        add("Serra et al. 2018 lower", lo, lambda: serra2018_lower(n0, relu), "ICML 2018; n_l >= 3 n0")
        add("Ternary paper Prop. 1", lo, lambda: prop1_lower(n0, min(relu), len(relu) + 1),
            "eq. (4) with n = the smallest hidden width, L = hidden layers + 1")
    if "identity" in acts:
        add("Ternary paper theorem (eq. 11)", lo, lambda: ternary_lower_arch(n0, arch),
            "weights in {-1,0,1}; identity/ReLU alternating; q from the widths (uniform n': "
            "floor(n'/(2(n0+1)))); statement reconstructed (REFERENCE §3.6)")
    return rows


def architecture_of(net) -> list[tuple]:
    """Hidden layers of a Network as (width, activation) pairs, (width, 'maxout', rank) for maxout."""
    return [(layer.n_out, layer.activation) + ((layer.rank,) if layer.activation == "maxout" else ())
            for layer in net.layers[:-1]]


def best_bounds(rows: list[BoundRow]):
    """(best lower row, best upper row) among the applicable rows (None when there is none)."""
    lows = [r for r in rows if r.kind != "upper" and r.value is not None]
    ups = [r for r in rows if r.kind == "upper" and r.value is not None]
    return (max(lows, key=lambda r: r.value) if lows else None,
            min(ups, key=lambda r: r.value) if ups else None)
