"""``sweep``: count many networks (files, or a grid of builder parameters) into one CSV, in
parallel over Dask, resumable (issue 16).

A row is a pure function of its spec (a file path, or a builder with its parameters) and the run
options, so rows run in any order, on any worker, and a rerun can skip the specs whose rows are
already in the CSV. Rows are appended as they finish (a stopped sweep keeps what it did).
"""

from __future__ import annotations

import csv
import itertools
import os
import time
from pathlib import Path

from ..errors import MipRegionsError

BUILDERS = {"montufar": "p", "ternary": "q"}     # builder -> its fold parameter
COLUMNS = ["id", "network", "n0", "architecture", "domain", "method", "activation_regions", "count_is",
           "linear_regions", "affine_maps", "connectivity", "seconds", "best_lower_bound", "best_lower_name",
           "best_upper_bound", "best_upper_name", "certified", "stop_reason", "error"]
ESTIMATE_COLUMNS = ["mipbound_lower_bound", "mipbound_confidence", "regions_confirmed", "sample_lower_bound",
                    "activation_upper_bound", "upper_bound", "upper_bound_name", "estimate_seconds"]


def columns(estimate: bool = False) -> list[str]:
    """The CSV's columns: the count's, and with ``estimate`` the estimate's after them."""
    return COLUMNS + ESTIMATE_COLUMNS if estimate else list(COLUMNS)


def grid_specs(builder: str, n0s, folds, depths, width=None) -> list[dict]:
    """Every (n0, fold, depth) of the grid as a spec; the ternary construction needs odd depth,
    so even depths are skipped for it (and said so by the caller)."""
    if builder not in BUILDERS:
        raise MipRegionsError(f"sweep: unknown builder {builder!r} (choose from {', '.join(BUILDERS)})")
    out = []
    for n0, f, L in itertools.product(n0s, folds, depths):
        if builder == "ternary" and L % 2 == 0:
            continue
        spec = {"builder": builder, "n0": int(n0), BUILDERS[builder]: int(f), "depth": int(L)}
        if width:
            spec["width"] = int(width)
        spec["id"] = f"{builder} n0={n0} {BUILDERS[builder]}={f} L={L}" + (f" width={width}" if width else "")
        out.append(spec)
    return out


def file_specs(paths) -> list[dict]:
    return [{"file": str(p), "id": str(p)} for p in paths]


def build(spec: dict):
    """The network of a spec."""
    if "file" in spec:
        from ..io.netfile import read_network
        if spec["file"].lower().endswith(".onnx"):
            from ..io.onnx_io import read_onnx
            return read_onnx(spec["file"], spec.get("lower", [0]), spec.get("upper", [1]))
        return read_network(spec["file"])
    from ..nets.constructions import montufar, ternary
    fn = {"montufar": montufar, "ternary": ternary}[spec["builder"]]
    return fn(spec["n0"], spec[BUILDERS[spec["builder"]]], spec["depth"], spec.get("width"))


def sweep_row(spec: dict, method: str = "auto", time_limit=None, certify: bool = False,
              connectivity: str = "touch", estimate: dict | None = None) -> dict:
    """Count one spec: the three counts, the best bounds of its architecture, time, certificate;
    with ``estimate`` (options of workflows.estimate.estimate: confidence, trials, seed), also
    MIPBound's lower bound, the sampling lower bound and the activation-based upper bound (the
    MIPs limited by ``time_limit`` as well), so that exact | MIPBound | sample | upper bounds
    stand side by side."""
    from ..analysis.bounds import architecture_of, best_bounds, bound_table
    from ..counting import count_regions
    row = dict.fromkeys(columns(estimate is not None), "")
    row["id"] = spec["id"]
    t0 = time.perf_counter()
    try:
        net = build(spec)
        res = count_regions(net, method, time_limit=time_limit, linear=True, connectivity=connectivity,
                            keep_regions=certify, progress=False)
        row.update(network=net.describe(), n0=net.input_dim, domain=net.domain.describe(), method=res.method,
                   activation_regions=res.activation_regions, count_is="exact" if res.complete else "lower bound",
                   linear_regions=_blank(res.linear_regions), affine_maps=_blank(res.affine_maps),
                   connectivity=res.connectivity or "", stop_reason=res.stop_reason or "",
                   architecture="-".join([str(net.input_dim)] + [_layer_text(a) for a in architecture_of(net)]))
        low, up = best_bounds(bound_table(net.input_dim, architecture_of(net)))
        if low:
            row.update(best_lower_bound=low.value, best_lower_name=low.name)
        if up:
            row.update(best_upper_bound=up.value, best_upper_name=up.name)
        row["certified"] = "not asked"
        if certify:
            row["certified"] = _certify(net, res)
        if estimate is not None:
            row.update(_estimate(net, time_limit, estimate))
    except MipRegionsError as exc:      # a bad file or parameter: the row says so, the sweep goes on
        row["error"] = str(exc)
    row["seconds"] = round(time.perf_counter() - t0, 3)
    return row


def _estimate(net, time_limit, options: dict) -> dict:
    from .estimate import ACTIVATION_BOUND, estimate
    t0 = time.perf_counter()
    est = estimate(net, time_limit=time_limit, **options)
    act = next((r["value"] for r in est.upper_bounds if r["name"] == ACTIVATION_BOUND), None)
    return {"mipbound_lower_bound": _blank(est.lower_bound), "mipbound_confidence": est.confidence,
            "regions_confirmed": (est.mipbound or {}).get("regions_found", ""),
            "sample_lower_bound": _blank(est.sample_lower_bound), "activation_upper_bound": _blank(act),
            "upper_bound": _blank(est.upper_bound), "upper_bound_name": est.upper_bound_name or "",
            "estimate_seconds": round(time.perf_counter() - t0, 3)}


def _certify(net, res) -> str:
    if not res.complete:
        return "no (count incomplete)"
    from ..analysis.certify import certify
    cert = certify(net, res)
    return "yes" if cert.passed else "NO: " + "; ".join(f"{k}: {v}" for k, v in cert.checks.items())


def _blank(v):
    return "" if v is None else v


def _layer_text(a) -> str:
    width, act = a[0], a[1]
    return f"{width}" if act == "relu" else f"{width}id" if act == "identity" else f"{width}mx{a[2]}"


def done_ids(path, cols=None) -> set[str]:
    """The ids of the rows already in the CSV (finished, without error): a rerun skips them."""
    cols = COLUMNS if cols is None else cols
    if not os.path.exists(path):
        return set()
    with open(path, newline="") as fh:
        reader = csv.DictReader(fh)
        if reader.fieldnames != cols:
            other = "with" if reader.fieldnames == columns(True) else "without" \
                if reader.fieldnames == COLUMNS else None
            hint = f" (it was written {other} --estimate)" if other else ""
            raise MipRegionsError(f"{path}: not a sweep CSV of this version and options (columns differ{hint}); "
                                  "choose another -o or move it away")
        return {r["id"] for r in reader if not r["error"]}


class RowWriter:
    """Appends rows to the CSV as they come, the header first when the file is new."""

    def __init__(self, path, cols=None):
        self.path = Path(path)
        new = not self.path.exists() or self.path.stat().st_size == 0
        try:
            self.fh = open(self.path, "a", newline="")
        except OSError as exc:
            raise MipRegionsError(f"{path}: cannot write ({exc.strerror})") from exc
        self.w = csv.DictWriter(self.fh, fieldnames=COLUMNS if cols is None else cols)
        if new:
            self.w.writeheader()

    def write(self, row: dict) -> None:
        self.w.writerow(row)
        self.fh.flush()

    def close(self) -> None:
        self.fh.close()
