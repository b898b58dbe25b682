"""Which subtrees of a depth-first cell search a run explores: the cut that makes the search
parallel (issue 16; parallel/ runs the pieces).

The searches of lp/engine.py and vertex/engine.py branch at a few kinds of node (a cutting unit: its two
sides; a sliver: its exact thin side, then the clear side; a maxout unit: one branch per
argument). Number the branches of each node 0, 1, ... in the order the search takes them; then
a *route* (b_0, b_1, ..., b_d) names one node of the search tree, and the subtrees below the
routes of any antichain that covers the tree partition its leaves, i.e. the activation regions.
So the count of a network is the sum of the counts of its subtrees, exactly, whatever the cut.

A :class:`Router` is asked at each branch (``enter(b)``) whether the run goes in:

* along its own ``route`` only the named branch is taken (the nodes above the subtree are
  recomputed: a handful of splits);
* below it, a branch at depth ``split_depth`` or more, or any branch once ``split_after``
  seconds have passed, is not entered but handed out as a new route (``handed``): the frontier
  of a first pass, and the on-demand split of a subtree that runs long;
* otherwise it goes in.

The regions a run emits come in *chunks*, each a contiguous stretch of the serial search's
order; ``marks`` holds (region index, route of the node where the chunk starts). Sorting every
run's chunks by that route gives the serial search's order again (branches are taken in
increasing order, and a route that is a prefix of another comes first), so a parallel run lists
its regions exactly as a serial one does.
"""

from __future__ import annotations

import time

import numpy as np

NO_ROUTE = np.zeros(0, dtype=np.int64)


class Router:
    """Branch filter of one run (module docstring); the default enters every branch."""

    __slots__ = ("route", "stack", "split_depth", "split_at", "handed", "marks", "fresh")

    def __init__(self, route=(), split_depth: int | None = None, split_after: float | None = None):
        self.route = tuple(int(b) for b in route)
        self.stack: list[int] = []
        self.split_depth = split_depth
        self.split_at = None if split_after is None else time.perf_counter() + float(split_after)
        self.handed: list[tuple] = []
        self.marks: list[tuple[int, tuple]] = []
        self.fresh = True          # the next region starts a chunk

    def enter(self, b: int) -> bool:
        """May the run go into branch ``b`` of the current node? (True: call ``leave`` after.)"""
        d = len(self.stack)
        if d < len(self.route):
            if self.route[d] != b:
                return False
        elif ((self.split_depth is not None and d >= self.split_depth)
              or (self.split_at is not None and time.perf_counter() >= self.split_at)):
            self.handed.append(tuple(self.stack) + (b,))
            self.fresh = True
            return False
        self.stack.append(b)
        return True

    def leave(self) -> None:
        self.stack.pop()

    def ahead(self) -> np.ndarray:
        """The branches of the run's route still to take from here (empty below it)."""
        return np.array(self.route[len(self.stack):], dtype=np.int64)

    def owns_below(self) -> bool:
        """Is every leaf below the current node this run's? (Below its route, with no depth cut;
        a time split may still hand out later branches, which leaves these leaves to this run.)"""
        return len(self.stack) >= len(self.route) and self.split_depth is None

    def emitted(self, index: int) -> bool:
        """A region is being reported as the run's number ``index`` (result.RunContext.add_region):
        False when the run is still above its own subtree (the region belongs to the run that
        holds the shorter route), else True, and the chunk marks are kept."""
        if len(self.stack) < len(self.route):
            return False
        if self.fresh:
            self.marks.append((index, tuple(self.stack)))
            self.fresh = False
        return True


class _Everything(Router):
    """The serial search: every branch, nothing handed out (kept cheap: it is on the hot path)."""

    def enter(self, b: int) -> bool:
        return True

    def leave(self) -> None:
        pass

    def emitted(self, index: int) -> bool:
        return True

    def ahead(self) -> np.ndarray:
        return NO_ROUTE

    def owns_below(self) -> bool:
        return True


def router_of(ctx) -> Router:
    """The run's router (result.RunContext.router), or one that enters every branch."""
    return getattr(ctx, "router", None) or _Everything()


class Replay:
    """Feeds a router the branches of leaves found by a search that did not ask it (the compiled
    layer search, engines/vertex/kernel.py), in depth-first order: ``go(route)`` enters the
    branches of the leaf's route below the part shared with the previous leaf (leaving the rest),
    so the router sees the same enter/leave calls as the Python search makes, and says whether
    the leaf is in this run. ``close()`` leaves what is still entered."""

    __slots__ = ("router", "cur", "blocked", "trivial")

    def __init__(self, router: Router):
        self.router, self.cur, self.blocked = router, [], None
        self.trivial = isinstance(router, _Everything)

    def go(self, route) -> bool:
        if self.trivial:
            return True
        blocked = self.blocked
        if blocked is not None and route[: len(blocked)] == blocked:
            return False             # below a branch the router refused
        self.blocked = None
        cur, p = self.cur, 0
        while p < len(cur) and p < len(route) and cur[p] == route[p]:
            p += 1
        while len(cur) > p:
            self.router.leave()
            cur.pop()
        for b in route[p:]:
            if not self.router.enter(b):
                self.blocked = cur + [b]
                return False
            cur.append(b)
        return True

    def close(self) -> None:
        while self.cur:
            self.router.leave()
            self.cur.pop()
