"""The bases the lp engine's support LPs leave for the same LPs on the cells below (issue 32;
lp/simplex_start.py says why such a basis is a valid start there).

A basis is kept under (layer, unit, side) by the cell whose LP ended with it, and taken back
when the search leaves that cell (:meth:`WarmBases.leave` restores what the key held before), so
every basis on offer belongs to the current cell or one of its ancestors: its rows are a prefix
of the current cell's rows.

Each kept basis costs m^2 + m + n0 floats (m rows on the path). At 784 inputs with a 256-wide
layer, m reaches the hundreds and a basis ~0.5 MB: without a limit, the bases along one path
took 1.9 GB within 40 s. Bases beyond ``budget`` bytes are not kept (those LPs start cold), so
memory stays bounded whatever the width; on the MNIST 784-n1-n2 nets a basis is ~10 KB and the
budget is never reached.
"""

from __future__ import annotations

WARM_BYTES = 1 << 27    # 128 MB of kept bases at most


class WarmBases:
    """(layer, unit, side) -> the last basis of that support LP on the current cell or above."""

    def __init__(self, budget: int = WARM_BYTES):
        self.budget = budget
        self.used = 0           # bytes of the bases held (in ``bases`` and in the undo lists)
        self.bases: dict = {}
        self.undo: list[list] = []   # per cell entered: (key, what it held before)
        self.skipped = 0        # bases not kept for the budget

    def get(self, key):
        return self.bases.get(key)

    def enter(self) -> None:
        """A cell of the search is entered: the bases it keeps are taken back by leave()."""
        self.undo.append([])

    def keep(self, key, state) -> None:
        """Keep ``state`` (basis, B^-1, nonbasic values) for ``key`` on the current cell."""
        size = sum(a.nbytes for a in state)
        if self.used + size > self.budget:
            self.skipped += 1
            return
        self.undo[-1].append((key, self.bases.get(key)))
        self.bases[key] = state
        self.used += size

    def leave(self) -> None:
        """The search leaves the cell: its bases go, and what they replaced comes back."""
        for key, old in reversed(self.undo.pop()):
            self.used -= sum(a.nbytes for a in self.bases[key])
            if old is None:
                del self.bases[key]
            else:
                self.bases[key] = old
