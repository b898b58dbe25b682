"""The oracle table of ../shared/REFERENCE.md §5 as test data (instance builders + exact counts).

Each row: id -> (builder, A_full, A_strict, LR, maps). Builders return a Network with exact
(integer or rational) weights.
"""

from mip_regions.nets.constructions import montufar, ternary
from mip_regions.nets.network import network_from_lists, with_domain


def shallow(rows, biases, out, lower, upper, name):
    return network_from_lists([(rows, biases, "relu"), ([out], [0], "identity")], lower, upper, name=name)


def row31():
    return shallow([[1], [1], [-1]], ["-1/4", "-1/2", "3/4"], [1, 1, 1], [0], [1], "row31")


def row32():
    return shallow([[1], [1], [-1]], ["-1/4", "-1/2", "3/4"], [1, 0, 1], [0], [1], "row32")


def row33():
    return shallow([[1], [-1]], [0, 0], [1, 1], [-1], [1], "|x|")


def row34():
    return shallow([[1], [-1]], [0, 0], [1, -1], [-1], [1], "x")


def row47():
    return shallow([[1, 0], [0, 1], [1, 1], [1, -1]], [0, 0, 0, 0], [1, 1, 1, 1], [-1, -1], [1, 1], "row47")


FIVE = ([[2, 1], [1, -2], [2, -3], [3, 1], [1, 3]], [-1, 0, 1, -3, -2], [1, -1, 2, 1, 1])


def row52():
    return shallow(*FIVE, [-10, -10], [10, 10], "row52")


def row53():
    return shallow(*FIVE, [0, 0], [1, 1], "row53")


def row54():
    return shallow([[1, 0], [0, 1], [1, 1]], [0, 0, 0], [1, 1, -1], [-1, -1], [1, 1], "row54")


ROWS = {
    1: (lambda: montufar(1, 2, 2), 2, 3, 2, 2),
    2: (lambda: montufar(1, 2, 3), 4, 6, 4, 4),
    3: (lambda: montufar(1, 2, 4), 8, 11, 8, 8),
    4: (lambda: montufar(1, 2, 5), 16, 21, 16, 16),
    5: (lambda: montufar(1, 3, 2), 3, 4, 3, 3),
    6: (lambda: montufar(1, 3, 3), 9, 11, 9, 9),
    7: (lambda: montufar(1, 3, 4), 27, 32, 27, 27),
    8: (lambda: montufar(1, 4, 2), 4, 5, 4, 4),
    9: (lambda: montufar(1, 4, 3), 16, 19, 16, 16),
    11: (lambda: montufar(1, 5, 2), 5, 6, 5, 5),
    12: (lambda: montufar(1, 5, 3), 25, 28, 25, 25),
    13: (lambda: with_domain(montufar(1, 2, 2), [-1], [2]), 3, 3, 3, 3),
    15: (lambda: with_domain(montufar(1, 3, 2), [-1], [2]), 4, 4, 4, 4),
    17: (lambda: ternary(1, 2, 3), 2, 3, 2, 2),
    18: (lambda: ternary(1, 2, 5), 4, 6, 4, 4),
    19: (lambda: ternary(1, 2, 7), 8, 11, 8, 8),
    20: (lambda: ternary(1, 3, 3), 3, 4, 3, 3),
    21: (lambda: ternary(1, 3, 5), 9, 11, 9, 9),
    22: (lambda: ternary(1, 2, 5, width=8), 4, 6, 4, 4),
    31: (row31, 4, 4, 4, 4),
    32: (row32, 4, 4, 3, 3),
    33: (row33, 2, 3, 2, 2),
    34: (row34, 2, 3, 1, 1),
    35: (lambda: montufar(2, 2, 2), 4, 9, 4, 4),
    36: (lambda: montufar(2, 2, 3), 16, 36, 16, 12),
    37: (lambda: montufar(2, 2, 4), 64, 121, 64, 28),
    38: (lambda: montufar(2, 3, 2), 9, 16, 9, 8),
    39: (lambda: montufar(2, 3, 3), 81, 121, 81, 32),
    40: (lambda: ternary(2, 2, 3), 4, 9, 4, 4),
    41: (lambda: ternary(2, 2, 5), 16, 36, 16, 12),
    42: (lambda: ternary(2, 3, 3), 9, 16, 9, 8),
    43: (lambda: montufar(3, 2, 2), 8, 27, 8, 8),
    47: (row47, 8, 8, 8, 8),
    52: (row52, 16, 16, 16, 16),
    53: (row53, 14, 14, 14, 14),
    54: (row54, 6, 6, 5, 5),
}
