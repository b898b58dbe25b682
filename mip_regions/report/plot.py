"""Pictures of the regions (matplotlib, optional extra ``plot``).

* n0 = 2: the domain cut into cell polygons, coloured by linear region; cell boundaries thin,
  linear-region boundaries thick; the title gives the three counts and the domain.
* n0 = 1: the network's output over the domain, with the cell boundaries (breakpoints) marked.
* n0 > 2: a 2-D slice ``x = point + u d1 + v d2`` (:func:`slice_network`), plotted as n0 = 2.
"""

from __future__ import annotations

import numpy as np

from ..errors import MipRegionsError
from ..analysis.geometry import cell_interval, cell_polygon
from ..analysis.linear_regions import affine_map
from ..nets.network import Network, network_from_lists

FIGSIZE = (7.0, 6.0)
DPI = 100


def _pyplot():
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        raise MipRegionsError("plotting needs matplotlib: pip install -e '.[plot]'") from None
    return plt


def slice_network(net: Network, point, d1, d2, extent=((-1, 1), (-1, 1))) -> Network:
    """The 2-D network ``(u, v) -> F(point + u d1 + v d2)`` on ``extent`` (first layer composed
    with the affine embedding: ``W' = W [d1 d2]``, ``b' = W point + b``)."""
    point, d1, d2 = (np.asarray(v, dtype=float) for v in (point, d1, d2))
    n0 = net.input_dim
    if not (point.size == d1.size == d2.size == n0):
        raise MipRegionsError(f"--slice needs a point and two directions with {n0} coordinates each")
    if np.linalg.matrix_rank(np.vstack([d1, d2])) < 2:
        raise MipRegionsError("--slice directions must be linearly independent")
    first = net.layers[0]
    layers = [(first.weights @ np.column_stack([d1, d2]), first.weights @ point + first.bias, first.activation)]
    layers += [(l.weights, l.bias, l.activation) for l in net.layers[1:]]
    (u0, u1), (v0, v1) = extent
    return network_from_lists(layers, [u0, v0], [u1, v1],
                              name=f"{net.name or 'network'}, slice through {point.tolist()}")


def _title(net, result):
    lr = "?" if result.linear_regions is None else result.linear_regions
    maps = "?" if result.affine_maps is None else result.affine_maps
    return (f"{net.name or 'network'}\nactivation regions {result.count_text}, linear regions {lr} "
            f"({result.connectivity or 'touch'}), affine maps {maps}; domain {net.domain.describe()}")


def plot_regions(net: Network, result, path, *, figsize=FIGSIZE, dpi=DPI, marks=None) -> None:
    """Draw the regions of an analysed result (``count_regions(..., linear=True)``), coloured by
    linear region; ``marks``: points of a 2-D plot to mark and number (e.g. the three data points
    of a slice). A 2-D count stopped by its time limit is drawn as far as it got: the regions
    found, each its own colour, the rest of the box blank, and the title says "at least"."""
    partial = not result.complete and net.input_dim == 2
    if result.regions is None or (result.lr_labels is None and not partial):
        raise MipRegionsError("plotting needs a complete count with its regions and linear regions")
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=figsize, dpi=dpi)
    cmap = plt.get_cmap("tab20")
    labels = result.lr_labels if result.lr_labels is not None else list(range(len(result.regions)))
    if net.input_dim == 1:
        for k, reg in enumerate(result.regions):
            a, b = (float(v) for v in cell_interval(net, reg.bits, exact=False))
            G, c = affine_map(net, reg.bits, exact=False)
            xs = np.array([a, b])
            ax.plot(xs, G[0, 0] * xs + c[0], color=cmap(labels[k] % 20), linewidth=2)
            ax.axvline(a, color="0.7", linewidth=0.5)
        ax.axvline(float(net.domain.upper[0]), color="0.7", linewidth=0.5)
        ax.set_xlabel("x")
        ax.set_ylabel("F(x) (first output)")
        ax.set_xlim(float(net.domain.lower[0]), float(net.domain.upper[0]))
    elif net.input_dim == 2:
        from matplotlib.collections import LineCollection
        from matplotlib.patches import Polygon
        index = {np.asarray(r.bits, bool).tobytes(): k for k, r in enumerate(result.regions)}
        lo, hi = net.domain.lower, net.domain.upper
        eps = 1e-6 * float(np.max(hi - lo))
        thin, thick = [], []
        for k, reg in enumerate(result.regions):
            poly = [(float(x), float(y)) for x, y in cell_polygon(net, reg.bits, exact=False)]
            if len(poly) < 3:
                continue
            ax.add_patch(Polygon(poly, closed=True, facecolor=cmap(labels[k] % 20), edgecolor="none"))
            for i in range(len(poly)):
                P, Q = np.array(poly[i]), np.array(poly[(i + 1) % len(poly)])
                if np.linalg.norm(Q - P) < eps:
                    continue
                mid = (P + Q) / 2
                normal = np.array([Q[1] - P[1], P[0] - Q[0]]) / np.linalg.norm(Q - P)
                if np.dot(normal, mid - np.mean(poly, axis=0)) < 0:
                    normal = -normal
                out = mid + eps * normal
                inside = np.all(out > lo) and np.all(out < hi)
                j = index.get(net.patterns(out[None, :])[0].tobytes()) if inside else None
                seg = (tuple(P), tuple(Q))
                same = inside and j is not None and labels[j] == labels[k]
                (thin if same or partial else thick).append(seg)
        ax.add_collection(LineCollection(thin, colors="0.25", linewidths=0.4))
        ax.add_collection(LineCollection(thick, colors="black", linewidths=1.8))
        ax.set_xlim(lo[0], hi[0])
        ax.set_ylim(lo[1], hi[1])
        for k, (x, y) in enumerate(marks or []):
            ax.plot([x], [y], marker="o", ms=7, mfc="white", mec="black", mew=1.5, zorder=5)
            ax.annotate(str(k), (x, y), xytext=(5, 5), textcoords="offset points", fontsize=9, zorder=6)
        ax.set_aspect("equal")
        ax.set_xlabel("x1")
        ax.set_ylabel("x2")
    else:
        raise MipRegionsError(f"plotting needs n0 <= 2; for n0 = {net.input_dim} give --slice")
    ax.set_title(_title(net, result), fontsize=9)
    fig.tight_layout()
    from ..io.outputs import atomic_write
    with atomic_write(path, "wb") as fh:
        fig.savefig(fh, format="png")
    plt.close(fig)
