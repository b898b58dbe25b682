"""The constructions of the two quantization papers, with exact rational weights (issue 15, in
part): Ding, Liu, Xiong & Shi, ICLR 2019 (``../shared/seeds/004``), Prop. 1-2, and the integer
square and product of "On the Expressive Power of Weight Quantization" (``../shared/seeds/003``),
appendix.

* :func:`ding_square` -- f_s^r(x) = x - sum_{i=1}^r 2^{-2i} g^{oi}(x) on [0, 1] with the tent map
  g(x) = 2 sigma(x) - 4 sigma(x - 1/2): the piecewise linear interpolation of x^2 at the 2^r + 1
  points k/2^r, so 2^r linear regions and sup error 2^{-2(r+1)} (Prop. 1, eqs. 8-9). Layer 1
  holds sigma(x) (= x on [0, 1]) and sigma(x - 1/2); each later layer holds sigma(g_i),
  sigma(g_i - 1/2) and the running sum sigma(s_i) (s_i = f_s^i(x) >= x^2 >= 0, so the ReLU passes
  it unchanged). This is the plain variant: the weights are powers of 2 (the quantized one of
  Appendix A.1, weights +-1/2 only, needs the exact wiring of its Fig. 2, not reproduced here).
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


def ding_square(r: int) -> Network:
    """f_s^r on [0, 1] (module docstring)."""
    if r < 1:
        raise ValueError("ding_square needs r >= 1")
    layers, out = _square_chain(r, 1, [Q(1)])
    specs = [(W, b, "relu") for W, b in layers] + [([out], [Q(0)], "identity")]
    return network_from_lists(specs, [0], [1], name=f"ding square f_s^{r}")


def ding_product(r: int) -> Network:
    """x'(x, y) on [-1, 1]^2 (module docstring): three f_s^r in parallel."""
    if r < 1:
        raise ValueError("ding_product needs r >= 1")
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


__all__ = ["ding_square", "ding_product", "int_square", "int_product"]
