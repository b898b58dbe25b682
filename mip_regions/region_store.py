"""The regions of a run, kept compactly: a sequence of :class:`Region` whose
patterns are packed bits and whose witnesses and margins are rows of float arrays (about
n_bits/8 + 8 n0 + 8 bytes per region: a 6-16-16-16 net's million regions take about 60 MB),
with the exact witnesses that exact engines attach in a side table (only those that are not
exactly their float witness: exact1d's dyadic midpoints usually are, and cost nothing).

The arrays double as they fill. Past ``SPILL_BYTES`` they move to memory-mapped files in a
temporary folder (removed with the store), so a run longer than memory still keeps every
region for the linear-region analysis.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import numpy as np

from .nets.network import Network

SPILL_BYTES = 1 << 30     # beyond 1 GiB of arrays, grow into memory-mapped files


@dataclass
class Region:
    """One activation region: its pattern, an interior witness point and its margin (ball radius)."""

    bits: np.ndarray
    witness: np.ndarray
    margin: float
    exact_witness: tuple | None = None   # an exact rational interior point, when the float one may not be

    def to_json(self, net: Network) -> dict:
        out = {"pattern": net.pattern_text(self.bits), "witness": [float(v) for v in self.witness],
               "margin": float(self.margin)}
        if self.exact_witness is not None:
            out["witness_exact"] = [str(v) for v in self.exact_witness]
        return out


class RegionStore:
    """Append-only, indexable, iterable; ``store[k]`` builds the k-th Region on demand."""

    def __init__(self, n_bits: int, n0: int):
        self.n_bits, self.n0 = n_bits, n0
        self._nbytes = max((n_bits + 7) // 8, 1)
        self._len = 0
        self._cap = 0
        self._bits = np.zeros((0, self._nbytes), dtype=np.uint8)
        self._wit = np.zeros((0, n0))
        self._margin = np.zeros(0)
        self._exact: dict[int, tuple] = {}     # exact witnesses that are not their float witness
        self._float_exact = np.zeros(0, dtype=bool)   # True: the exact witness is the float one
        self._dir: tempfile.TemporaryDirectory | None = None

    def _alloc(self, name, shape, dtype, old):
        size = int(np.prod(shape)) * np.dtype(dtype).itemsize
        if self._total_bytes(shape[0]) > SPILL_BYTES:
            if self._dir is None:
                self._dir = tempfile.TemporaryDirectory(prefix="mip-regions-")
            arr = np.lib.format.open_memmap(Path(self._dir.name) / f"{name}-{shape[0]}.npy", mode="w+",
                                            dtype=dtype, shape=shape)
        else:
            arr = np.empty(shape, dtype=dtype) if size else np.zeros(shape, dtype=dtype)
        arr[: len(old)] = old
        return arr

    def _total_bytes(self, rows: int) -> int:
        return rows * (self._nbytes + 8 * self.n0 + 9)

    def _grow(self, n: int) -> None:
        """Make room for n more regions (the arrays double)."""
        if self._len + n > self._cap:
            cap = max(1024, 2 * self._cap, self._len + n)
            self._bits = self._alloc("bits", (cap, self._nbytes), np.uint8, self._bits[: self._len])
            self._wit = self._alloc("witness", (cap, self.n0), np.float64, self._wit[: self._len])
            self._margin = self._alloc("margin", (cap,), np.float64, self._margin[: self._len])
            self._float_exact = self._alloc("exact", (cap,), np.bool_, self._float_exact[: self._len])
            self._cap = cap

    def append(self, region) -> None:
        """Append one Region (extend), keeping its exact witness when it is not the float one."""
        k = self._len
        self.extend(np.asarray(region.bits, dtype=bool)[None, :], np.asarray(region.witness)[None, :],
                    (region.margin,))
        if region.exact_witness is not None:
            e = region.exact_witness
            if len(e) == self.n0 and all(Fraction(float(w)) == v for w, v in zip(self._wit[k], e)):
                self._float_exact[k] = True        # nothing to keep: it is the float witness
            else:
                self._exact[k] = e

    def extend(self, bits: np.ndarray, witnesses: np.ndarray, margins: np.ndarray) -> None:
        """Append len(bits) regions at once (rows of patterns, witnesses, margins; no exact
        witnesses): the compiled vertex search reports a layer's leaves this way."""
        n = len(bits)
        self._grow(n)
        k = self._len
        if self.n_bits:
            self._bits[k: k + n] = np.packbits(np.asarray(bits, dtype=bool), axis=1,
                                               bitorder="little")[:, : self._nbytes]
        else:
            self._bits[k: k + n] = 0
        self._wit[k: k + n] = witnesses
        self._margin[k: k + n] = margins
        self._float_exact[k: k + n] = False
        self._len += n

    def block(self, start: int, stop: int) -> dict:
        """Regions start..stop-1 as plain arrays (packed patterns, witnesses, margins, exact
        witnesses re-indexed from 0): what a parallel task sends back (parallel/tasks.py)."""
        return {"bits": np.array(self._bits[start:stop]), "witness": np.array(self._wit[start:stop]),
                "margin": np.array(self._margin[start:stop]),
                "float_exact": np.array(self._float_exact[start:stop]),
                "exact": {k - start: v for k, v in self._exact.items() if start <= k < stop}}

    def extend_block(self, block: dict) -> None:
        """Append the regions of a :meth:`block` (of a store with the same n_bits and n0)."""
        n = len(block["margin"])
        self._grow(n)
        k = self._len
        self._bits[k: k + n] = block["bits"]
        self._wit[k: k + n] = block["witness"]
        self._margin[k: k + n] = block["margin"]
        self._float_exact[k: k + n] = block["float_exact"]
        self._exact.update({k + i: v for i, v in block["exact"].items()})
        self._len += n

    def pop(self):
        """Remove and return the last region (as list.pop())."""
        if not self._len:
            raise IndexError("pop from an empty RegionStore")
        r = self[self._len - 1]
        self._exact.pop(self._len - 1, None)
        self._len -= 1
        return r

    def __len__(self) -> int:
        return self._len

    def bits(self, k: int) -> np.ndarray:
        return np.unpackbits(self._bits[k], count=self.n_bits, bitorder="little").astype(bool)

    def bits_block(self, start: int, stop: int) -> np.ndarray:
        """Patterns start..stop-1 as a bool matrix (one row per region)."""
        return np.unpackbits(self._bits[start:stop], axis=1, count=self.n_bits, bitorder="little").astype(bool)

    def __getitem__(self, k):
        if isinstance(k, slice):
            return [self[i] for i in range(*k.indices(self._len))]
        if k < 0:
            k += self._len
        if not 0 <= k < self._len:
            raise IndexError(k)
        exact = self._exact.get(k)
        if self._float_exact[k]:
            exact = tuple(Fraction(float(w)) for w in self._wit[k])
        return Region(self.bits(k), self._wit[k].copy(), float(self._margin[k]), exact)

    def __iter__(self):
        for k in range(self._len):
            yield self[k]


__all__ = ["Region", "RegionStore", "SPILL_BYTES"]
