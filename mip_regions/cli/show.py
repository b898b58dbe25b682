"""``mip-regions show``: describe a network file.
"""

from __future__ import annotations

from .common import add_domain_options, load_network


def add_parser(sub):
    p = sub.add_parser("show", help="describe a network file (layers, widths, ternary or not, domain)")
    p.add_argument("file", help="network file or ONNX model")
    add_domain_options(p)
    p.set_defaults(func=cmd_show)


def cmd_show(args) -> int:
    from ..nets.graph import is_ternary, layer_table
    notes: list[str] = []
    net = load_network(args.file, args, notes)
    print(f"network  {net.describe()}")
    print(f"domain   {net.domain.describe()}")
    for note in getattr(args, "domain_notes", []):
        print(f"         {note}")
    relu = sum(layer.n_out for layer in net.layers if layer.activation == "relu")
    maxout = {}
    for layer in net.layers:
        if layer.activation == "maxout":
            maxout[layer.rank] = maxout.get(layer.rank, 0) + layer.n_out
    units = f"{relu} ReLU units" + "".join(f", {n} maxout units of rank {k}" for k, n in sorted(maxout.items()))
    print(f"depth    {net.depth} affine maps; {units}; "
          f"ternary: {'yes' if is_ternary(net) else 'no'}; numbers written as {'integers/rationals' if net.is_exact else 'floats (counted as their exact binary rationals)'}")
    rows = layer_table(net)
    print(f"{'layer':>5} {'activation':>10} {'width':>6} {'params':>7} {'nonzero W':>9} {'nonzero b':>9} "
          f"{'max|W|':>7} {'ternary':>7}")
    for r in rows:
        print(f"{r['layer']:>5} {r['activation']:>10} {r['width']:>6} {r['parameters']:>7} "
              f"{r['nonzero_weights']:>9} {r['nonzero_biases']:>9} {r['max_abs_weight']:>7g} "
              f"{'yes' if r['ternary'] else 'no':>7}")
    print(f"total parameters {sum(r['parameters'] for r in rows)}, "
          f"nodes {net.input_dim + sum(net.widths)} (inputs {net.input_dim})")
    if notes:
        print("ONNX nodes, as read:")
        for line in notes:
            print(f"  {line}")
    return 0
