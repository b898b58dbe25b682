"""Read the input box of a VNN-LIB property (the input sets of VNN-COMP benchmarks).

A property declares inputs ``X_0 ... X_{n-1}`` and outputs ``Y_j`` and asserts constraints, in
SMT-LIB syntax::

    ; comments
    (declare-const X_0 Real)
    (assert (<= X_0 0.6798577687))
    (assert (>= X_0 0.6))
    (assert (or (and (>= Y_0 Y_1)) (and (>= Y_0 Y_2))))

The input set is read from the assertions that bound one input by a number: ``(<= X_i c)``,
``(>= X_i c)``, ``(<= c X_i)``, ``(>= c X_i)``, also inside a top-level ``(and ...)``, in any
order, the numbers exact as written (decimal or scientific notation: ``1e-3`` is 1/1000). Each
input needs a lower and an upper bound (several: the tightest holds). Assertions about the
outputs only are the property to verify, not the input set: they are ignored and counted, and
the caller says so. A disjunction over inputs (several input boxes) and any constraint that is not
a bound of one input by a number (e.g. X_0 <= X_1) are refused with the line they are on.
"""

from __future__ import annotations

import re
from fractions import Fraction

from ..errors import NetworkError

_TOKEN = re.compile(r"\(|\)|[^\s()]+")
_VAR = re.compile(r"^([XY])_(\d+)$")


def _parse(text: str, source):
    """Top-level s-expressions as nested lists, each with the line it starts on."""
    forms, stack, lines = [], [], []
    for lineno, line in enumerate(text.splitlines(), 1):
        line = line.split(";", 1)[0]
        for tok in _TOKEN.findall(line):
            if tok == "(":
                stack.append([])
                if len(stack) == 1:
                    lines.append(lineno)
            elif tok == ")":
                if not stack:
                    raise NetworkError(f"line {lineno}: unbalanced ')'", source=source)
                done = stack.pop()
                if stack:
                    stack[-1].append(done)
                else:
                    forms.append(done)
            elif not stack:
                raise NetworkError(f"line {lineno}: {tok!r} outside parentheses", source=source)
            else:
                stack[-1].append(tok)
    if stack:
        raise NetworkError("unbalanced '(' at the end of the file", source=source)
    return list(zip(forms, lines))


def _number(tok) -> Fraction | None:
    if not isinstance(tok, str):
        return None
    try:
        return Fraction(tok)
    except (ValueError, ZeroDivisionError):
        return None


def _mentions(expr, kind: str) -> bool:
    if isinstance(expr, str):
        m = _VAR.match(expr)
        return bool(m and m.group(1) == kind)
    return any(_mentions(e, kind) for e in expr)


def read_vnnlib_box(path) -> tuple[list[Fraction], list[Fraction], dict]:
    """(lower, upper, info) of the input box of a VNN-LIB file (module docstring); ``info`` has
    ``inputs`` (n), ``outputs`` (declared outputs) and ``output_assertions`` (ignored)."""
    src = str(path)
    try:
        text = open(path, encoding="utf-8-sig").read()
    except OSError as exc:
        raise NetworkError(f"cannot read ({exc.strerror})", source=src) from None
    except UnicodeDecodeError:
        raise NetworkError("not a text file (VNN-LIB is SMT-LIB text)", source=src) from None
    lower: dict[int, Fraction] = {}
    upper: dict[int, Fraction] = {}
    declared = {"X": set(), "Y": set()}
    ignored = 0

    def bound(expr, line):
        if not isinstance(expr, list) or len(expr) != 3 or expr[0] not in ("<=", ">=", "<", ">"):
            raise NetworkError(f"line {line}: {_text(expr)} is not a bound of one input by a number "
                               "(expected (<= X_i c) or (>= X_i c))", source=src)
        op, a, b = expr
        va, vb = _VAR.match(a) if isinstance(a, str) else None, _VAR.match(b) if isinstance(b, str) else None
        if va and va.group(1) == "X" and _number(b) is not None:
            i, c, upper_bound = int(va.group(2)), _number(b), op in ("<=", "<")
        elif vb and vb.group(1) == "X" and _number(a) is not None:
            i, c, upper_bound = int(vb.group(2)), _number(a), op in (">=", ">")
        else:
            raise NetworkError(f"line {line}: {_text(expr)} is not a bound of one input by a number "
                               "(expected (<= X_i c) or (>= X_i c))", source=src)
        if upper_bound:
            upper[i] = min(upper.get(i, c), c)
        else:
            lower[i] = max(lower.get(i, c), c)

    for form, line in _parse(text, src):
        if not form:
            continue
        head = form[0]
        if head == "declare-const":
            m = _VAR.match(form[1]) if len(form) > 1 and isinstance(form[1], str) else None
            if not m:
                raise NetworkError(f"line {line}: expected (declare-const X_i Real) or (declare-const Y_j Real)",
                                   source=src)
            declared[m.group(1)].add(int(m.group(2)))
            continue
        if head != "assert" or len(form) != 2:
            raise NetworkError(f"line {line}: expected (declare-const ...) or (assert ...), got {_text(form)}",
                               source=src)
        expr = form[1]
        if not _mentions(expr, "X"):
            ignored += 1          # the output property
            continue
        if isinstance(expr, list) and expr and expr[0] == "or":
            raise NetworkError(f"line {line}: a disjunction of input sets (or ...) is not supported: write one "
                               "file per input box and count each", source=src)
        if _mentions(expr, "Y"):
            raise NetworkError(f"line {line}: a constraint mixing inputs and outputs is not an input box",
                               source=src)
        for part in (expr[1:] if isinstance(expr, list) and expr and expr[0] == "and" else [expr]):
            bound(part, line)
    n = len(declared["X"])
    if n == 0:
        raise NetworkError("declares no inputs (declare-const X_0 Real ...)", source=src)
    if declared["X"] != set(range(n)):
        raise NetworkError(f"the inputs declared are not X_0 ... X_{n - 1}", source=src)
    missing = [i for i in range(n) if i not in lower or i not in upper]
    if missing:
        i = missing[0]
        which = "lower" if i not in lower else "upper"
        raise NetworkError(f"input X_{i} has no {which} bound ({len(missing)} input(s) are not bounded on both "
                           "sides)", source=src)
    extra = sorted((set(lower) | set(upper)) - set(range(n)))
    if extra:
        raise NetworkError(f"X_{extra[0]} is bounded but not declared", source=src)
    return ([lower[i] for i in range(n)], [upper[i] for i in range(n)],
            {"inputs": n, "outputs": len(declared["Y"]), "output_assertions": ignored})


def _text(expr) -> str:
    if isinstance(expr, str):
        return expr
    return "(" + " ".join(_text(e) for e in expr) + ")"
