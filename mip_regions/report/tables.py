"""Writing result tables for scripts: one list of dicts -> CSV and Markdown side by side."""

from __future__ import annotations

import csv
from pathlib import Path


def markdown_table(rows: list[dict]) -> str:
    """A Markdown table with the keys of the first row as header."""
    head = list(rows[0])
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    lines += ["| " + " | ".join(str(r.get(k, "")) for k in head) + " |" for r in rows]
    return "\n".join(lines) + "\n"


def write_tables(rows: list[dict], folder, stem: str) -> str:
    """Write ``folder/stem.csv`` and ``folder/stem.md``; returns the Markdown text."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / f"{stem}.csv", "w", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)
    md = markdown_table(rows)
    (folder / f"{stem}.md").write_text(md)
    return md
