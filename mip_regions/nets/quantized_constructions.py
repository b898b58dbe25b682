"""The constructions of the two quantization papers, with exact rational weights (issue 15, in
part): Ding, Liu, Xiong & Shi, ICLR 2019 (``../shared/seeds/004``), Prop. 1-2, and the integer
square and product of "On the Expressive Power of Weight Quantization" (``../shared/seeds/003``),
appendix.

* :func:`ding_square` -- f_s^r(x) = x - sum_{i=1}^r 2^{-2i} g^{oi}(x) on [0, 1] with the tent map
  g(x) = 2 sigma(x) - 4 sigma(x - 1/2): the piecewise linear interpolation of x^2 at the 2^r + 1
  points k/2^r, so 2^r linear regions and sup error 2^{-2(r+1)} (Prop. 1, eqs. 8-9). Layer 1
  holds sigma(x) (= x on [0, 1]) and sigma(x - 1/2); each later layer holds sigma(g_i),
  sigma(g_i - 1/2) and the running sum sigma(s_i) (s_i = f_s^i(x) >= x^2 >= 0, so the ReLU passes
  it unchanged). The plain variant has weights that are powers of 2; ``quantized=True`` builds
  the same function with weights in {1/2, -1/2} only, after Appendix A.1's description (B_g, B_m,
  the pre-scale, 2r halving layers). Fig. 2's exact wiring is not in the text, so the copies
  here are this project's: 4 copies of the input x/2, then 20 units per B_g/B_m layer.
* :func:`ding_product` -- x'(x, y) = 2 (f_s^r(|x+y|/2) - f_s^r(|x|/2) - f_s^r(|y|/2)) on
  [-1, 1]^2 (Prop. 2, eq. 2), |v| = sigma(v) + sigma(-v) in the first layer, then three f_s^r in
  parallel; error at most 6 * 2^{-2(r+1)}.
* :func:`int_square` -- x + 2 sum_{i=1}^{M-1} sigma(x - i) on [0, M]: exactly x^2 at the
  integers (unit weights, integer biases), M linear pieces.
* :func:`int_product` -- ((x1 + x2)^2 - (x1 - x2)^2) / 4 on [0, M]^2 with the integer square on
  x1 + x2 (in [0, 2M]) and on |x1 - x2| = sigma(x1 - x2) + sigma(x2 - x1) (in [0, M]): exactly
  x1 x2 at integer points. The appendix leaves open how |x1 - x2| enters the square; here the
  square's units read sigma(d) + sigma(-d) directly (one ReLU layer, then the square's layer).
"""

from __future__ import annotations

from fractions import Fraction as Q

from .network import Network, network_from_lists


def _square_chain(r: int, n_in: int, inputs):
    """Layers of f_s^r for z = sum_j inputs[j] h_j (h the previous layer's units, z in [0, 1]):
    returns (layers as (W, b) over n_in columns then own units, and the output row over the last
    layer's units). ``inputs`` is the row of z over the n_in previous units."""
    half = Q(1, 2)
    layers = [([list(inputs), list(inputs)], [Q(0), -half])]     # sigma(z) = z, sigma(z - 1/2)
    g, s = [Q(2), Q(-4)], [half, Q(1)]                           # g_1 = 2a - 4b, s_1 = a/2 + b
    for i in range(2, r + 1):
        c = Q(1, 4 ** i)
        layers.append(([g + [], g + [], s + []], [Q(0), -half, Q(0)]))
        g, s = [Q(2), Q(-4), Q(0)], [-2 * c, 4 * c, Q(1)]
    return layers, s


def _quantized_chain(r: int, half_row, out_copies: int):
    """The layers (W, b) of f_s^r(z) with every weight in {1/2, -1/2}, biases free, after
    Appendix A.1 (B_g, B_m, the pre-scale, 2r halving layers). ``half_row`` is the row over the
    previous layer's units that gives z/2 through weights +-1/2; the last layer holds
    ``out_copies`` copies of f_s^r(z).

    A quantity q is carried as c copies of a unit worth q, so that the next layer sees c q / 2
    through weights 1/2 (Fig. 2's "copied" units). Layer P: 4 copies of z/2. Layers l = 1..r:
    4 copies of A_l = sigma(g_{l-1}) and 8 of B_l = sigma(g_{l-1} - 1/2) (so g_l = 2 A_l - 4 B_l =
    (sum A - sum B)/2), and 8 copies of N_l with N_1 = z and N_{l+1} = 4 N_l - g_l (the pre-scale:
    8 copies times 1/2 is the factor 4). Then N_{r+1} = 4^r z - sum_i 4^(r-i) g^{oi}(z) =
    4^r f_s^r(z) >= 0, and 2r layers halve it (sigma(h/2)).
    """
    h = Q(1, 2)
    layers = [([list(half_row)] * 4, [Q(0)] * 4)]                # P: four copies of z/2
    g_row = n_row = [h] * 4                                      # g_0 = N_1 = z = (sum of P)/2
    for _ in range(r):
        layers.append(([g_row] * 12 + [n_row] * 8, [Q(0)] * 4 + [-h] * 8 + [Q(0)] * 8))
        g_row = [h] * 4 + [-h] * 8 + [Q(0)] * 8                  # g_l = 2 A_l - 4 B_l
        n_row = [-h] * 4 + [h] * 8 + [h] * 8                     # 4 N_l - g_l
    layers.append(([n_row], [Q(0)]))                             # N_{r+1} = 4^r f_s^r(z)
    for k in range(2 * r):                                        # halve 2r times
        copies = out_copies if k == 2 * r - 1 else 1
        layers.append(([[h]] * copies, [Q(0)] * copies))
    return layers


def _quantized_square(r: int) -> Network:
    h = Q(1, 2)
    layers = _quantized_chain(r, [h], 2)
    specs = [(W, b, "relu") for W, b in layers] + [([[h, h]], [Q(0)], "identity")]
    return network_from_lists(specs, [0], [1], name=f"ding square f_s^{r} (weights +-1/2)")


def ding_square(r: int, quantized: bool = False) -> Network:
    """f_s^r on [0, 1] (module docstring); ``quantized``: the same function with every weight
    in {1/2, -1/2} (:func:`_quantized_square`)."""
    if r < 1:
        raise ValueError("ding_square needs r >= 1")
    if quantized:
        return _quantized_square(r)
    layers, out = _square_chain(r, 1, [Q(1)])
    specs = [(W, b, "relu") for W, b in layers] + [([out], [Q(0)], "identity")]
    return network_from_lists(specs, [0], [1], name=f"ding square f_s^{r}")


def _block_diagonal(chains):
    """Stack per-chain layer lists (same depth) side by side: layer d of the result reads the
    previous layer's units of every chain, each chain its own block (the first layer reads all
    columns of the common input)."""
    out = []
    for depth in range(len(chains[0])):
        W, b = [], []
        if depth == 0:
            for layers in chains:
                W += [list(row) for row in layers[0][0]]
                b += list(layers[0][1])
        else:
            sizes = [len(layers[depth - 1][0]) for layers in chains]
            total, off = sum(sizes), 0
            for layers, size in zip(chains, sizes):
                for row in layers[depth][0]:
                    full = [Q(0)] * total
                    full[off: off + size] = row
                    W.append(full)
                b += list(layers[depth][1])
                off += size
        out.append((W, b))
    return out


def _quantized_product(r: int) -> Network:
    """x'(x, y) with every weight in {1/2, -1/2}: the first layer holds sigma(+-(x+y)/2),
    sigma(+-x/2), sigma(+-y/2) (so |v|/2 is the sum of a pair), three quantized f_s^r chains read
    z/2 = (pair)/2 each and end with 4 copies, and the output 2 (f_1 - f_2 - f_3) is half the sum
    of f_1's copies minus half the sums of the others'."""
    h = Q(1, 2)
    first = ([[h, h], [-h, -h], [h, Q(0)], [-h, Q(0)], [Q(0), h], [Q(0), -h]], [Q(0)] * 6)
    chains = [_quantized_chain(r, [h * (k // 2 == j) for k in range(6)], 4) for j in range(3)]
    hidden = [first] + _block_diagonal(chains)
    out = [h] * 4 + [-h] * 8
    specs = [(W, b, "relu") for W, b in hidden] + [([out], [Q(0)], "identity")]
    return network_from_lists(specs, [-1, -1], [1, 1], name=f"ding product x' r={r} (weights +-1/2)")


def ding_product(r: int, quantized: bool = False) -> Network:
    """x'(x, y) on [-1, 1]^2 (module docstring): three f_s^r in parallel; ``quantized``: every
    weight in {1/2, -1/2} (:func:`_quantized_product`)."""
    if r < 1:
        raise ValueError("ding_product needs r >= 1")
    if quantized:
        return _quantized_product(r)
    # layer 1: sigma(x+y), sigma(-x-y), sigma(x), sigma(-x), sigma(y), sigma(-y)
    first = ([[1, 1], [-1, -1], [1, 0], [-1, 0], [0, 1], [0, -1]], [0] * 6)
    half = Q(1, 2)
    chains = [_square_chain(r, 6, [half * (k == 2 * j) + half * (k == 2 * j + 1) for k in range(6)])
              for j in range(3)]
    specs = [(first[0], first[1], "relu")]
    for depth in range(r):               # the three chains side by side, block-diagonal
        W, b = [], []
        offsets = [0, 0, 0]
        if depth > 0:
            sizes = [len(chains[j][0][depth - 1][0]) for j in range(3)]
            offsets = [0, sizes[0], sizes[0] + sizes[1]]
            total = sum(sizes)
        for j, (layers, _) in enumerate(chains):
            Wj, bj = layers[depth]
            for row in Wj:
                if depth == 0:
                    W.append(list(row))
                else:
                    full = [Q(0)] * total
                    full[offsets[j]: offsets[j] + len(row)] = row
                    W.append(full)
            b += list(bj)
        specs.append((W, b, "relu"))
    out = []
    for j, sign in enumerate((2, -2, -2)):
        out += [sign * v for v in chains[j][1]]
    specs.append(([out], [Q(0)], "identity"))
    return network_from_lists(specs, [-1, -1], [1, 1], name=f"ding product x' r={r}")


def q_identity(bound: int = 1) -> Network:
    """Seed 003's Lemma 1, the identity I(x) = q sigma(q x): as written, q = 1 serves x >= 0 and
    q = -1 serves x <= 0, so one fixed q is not the identity on all of R (the lemma's "width 1" is
    ambiguous there). This builds the pair: x = sigma(x) - sigma(-x) on [-bound, bound], weights
    +-1: 2 activation regions, 1 linear region."""
    return network_from_lists([([[1], [-1]], [0, 0], "relu"), ([[1, -1]], [0], "identity")],
                              [-bound], [bound], name="identity q sigma(q x), q = +-1")


def int_square(m: int) -> Network:
    """x + 2 sum_{i=1}^{M-1} sigma(x - i) on [0, M] (module docstring)."""
    if m < 1:
        raise ValueError("int_square needs M >= 1")
    W = [[1]] + [[1] for _ in range(1, m)]
    b = [0] + [-i for i in range(1, m)]
    return network_from_lists([(W, b, "relu"), ([[1] + [2] * (m - 1)], [0], "identity")], [0], [m],
                              name=f"integer square M={m}")


def int_product(m: int) -> Network:
    """x1 x2 at the integer points of [0, M]^2 (module docstring)."""
    if m < 1:
        raise ValueError("int_product needs M >= 1")
    first = ([[1, 1], [1, -1], [-1, 1]], [0, 0, 0])      # u = x1 + x2 >= 0, sigma(d), sigma(-d)
    W, b, out = [], [], []
    for i in range(0, 2 * m):                           # square of u on [0, 2M]
        W.append([1, 0, 0])
        b.append(-i)
        out.append(Q(1, 4) * (1 if i == 0 else 2))
    for i in range(0, m):                               # square of |d| = sigma(d) + sigma(-d)
        W.append([0, 1, 1])
        b.append(-i)
        out.append(-Q(1, 4) * (1 if i == 0 else 2))
    return network_from_lists([(first[0], first[1], "relu"), (W, b, "relu"), ([out], [0], "identity")],
                              [0, 0], [m, m], name=f"integer product M={m}")


__all__ = ["ding_square", "ding_product", "ding_weight", "int_square", "int_product", "q_identity"]


def ding_weight(w, t: int, lam: int):
    """Prop. 3 of Ding et al. (seed 004): a sub-network x -> w' x on [-1, 1] with |w' - w| <= 2^-(t+1)
    (w' the nearest multiple of 2^-t) using only the lambda weight values {-1/2} and
    W = {2^-1, 2^-b, 2^-b^2, ..., 2^-b^(lambda-2)}, b = ceil(t^(1/(lambda-1))) (the paper assumes
    t^(1/(lambda-1)) is an integer; then b is it).

    w' = k 2^-t = (1/2) sum_{e in E} 2^-e over a multiset E of exponents in 0..t-1 (the binary
    expansion of k; k = 2^t uses e = 0 twice). Each e is one chain: a value carried as 2 copies,
    multiplied by 2^-(b^m) d_m times for the radix-b digits d_m of e (each copy through one weight),
    carried unchanged in the other layers (each copy reads both with weight 1/2), so all chains
    have the depth of the longest. The gate layer holds sigma(x/2) and sigma(-x/2), twice each:
    one branch per sign of x (the ReLU gate), and the output adds +-1/2 of both copies of every
    chain, with the sign of w, minus the same for the negative branch. Returns (network, w',
    stats): layers, weights (both branches; the paper's weight bound
    4 t lambda (b - 1) + 8 t + 4 is for one sign of x, so ``weights_per_sign`` is compared with
    it), the distinct weight values, and the bounds lambda (b - 1) + 1 on the layers.
    """
    from fractions import Fraction
    w = Fraction(w)
    if not -1 <= w <= 1:
        raise ValueError("ding_weight needs w in [-1, 1]")
    if t < 1 or lam < 2:
        raise ValueError("ding_weight needs t >= 1 and lambda >= 2")
    b = 2
    while b ** (lam - 1) < t:
        b += 1
    if lam == 2:
        b = t          # W = {1/2} only: 2^-e is e halvings
    k = round(abs(w) * 2 ** t)
    wq = Fraction(k, 2 ** t) * (1 if w >= 0 else -1)
    exps = [t - 1 - j for j in range(t) if (k >> j) & 1] if k < 2 ** t else [0, 0]
    h = Q(1, 2)
    weights_of = [Q(1, 2 ** (b ** m)) for m in range(lam - 1)]

    def digits(e):
        out = []
        for m in range(lam - 1):
            out += [weights_of[m]] * ((e // b ** m) % b if m < lam - 2 else e // b ** m)
        return out

    steps = [digits(e) for e in exps]
    depth = max((len(s) for s in steps), default=0)
    sign = 1 if w >= 0 else -1
    n_chains = len(exps)
    # gate layer: sigma(x/2) and sigma(-x/2), G copies each: 2, or 2 per chain when every chain
    # is empty (w' = 1/2 or 1: the output reads the gate directly, "4 units with weight 1/2")
    G = 2 * n_chains if depth == 0 and n_chains else 2
    layers = [([[h]] * G + [[-h]] * G, [Q(0)] * (2 * G))]
    prev = 2 * G
    for d in range(depth):
        W = []
        for branch in (0, 1):
            for c, s in enumerate(steps):
                for copy in (0, 1):
                    row = [Q(0)] * prev
                    if d == 0:
                        src = [G * branch, G * branch + 1]
                    else:
                        base = (branch * n_chains + c) * 2
                        src = [base, base + 1]
                    if d < len(s):                  # multiply: each copy through one weight
                        row[src[copy]] = s[d]
                    else:                           # carry: both copies with weight 1/2
                        row[src[0]] = row[src[1]] = h
                    W.append(row)
        layers.append((W, [Q(0)] * len(W)))
        prev = len(W)
    out = [Q(0)] * prev
    for branch, bs in ((0, 1), (1, -1)):
        for c in range(n_chains):
            for copy in (0, 1):
                out[(branch * n_chains + c) * 2 + copy] = bs * sign * h
    specs = [(W, bb, "relu") for W, bb in layers] + [([out], [Q(0)], "identity")]
    net = network_from_lists(specs, [-1], [1], name=f"ding weight w'={wq} (t={t}, lambda={lam})")
    values = {v for W, _ in net.rational_layers() for row in W for v in row if v != 0}
    n_weights = sum(1 for W, _ in net.rational_layers() for row in W for v in row if v != 0)
    stats = {"layers": len(net.layers), "hidden_layers": len(net.layers) - 1, "weights": n_weights,
             "weights_per_sign": n_weights // 2, "values": sorted(values), "b": b,
             "layer_bound": lam * (b - 1) + 1, "weight_bound": 4 * t * lam * (b - 1) + 8 * t + 4}
    return net, wq, stats
