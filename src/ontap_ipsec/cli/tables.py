"""ONTAP's clustershell output: fixed-width tables, `-fields` tables, `-instance` lists.

Rules copied from ONTAP's printed output: a value wider than its column pushes
the rest of the row onto the next line, starting under the next column; a
comma-separated list wraps within its column; "N entries were displayed." ends
a listing of more than one entry. Trailing blanks are not printed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

Cell = str | list[str]

NO_ENTRIES = "There are no entries matching your query."


@dataclass(frozen=True)
class Column:
    width: int
    header: tuple[str, ...]


def footer(count: int) -> list[str]:
    if count == 0:
        return [NO_ENTRIES]
    if count == 1:
        return []
    return [f"{count} entries were displayed."]


def header(columns: Sequence[Column], sep: str = " ") -> list[str]:
    depth = max(len(c.header) for c in columns)
    lines = []
    for level in range(depth):
        parts = []
        for col in columns:
            shift = depth - len(col.header)  # headers are bottom-aligned
            text = col.header[level - shift] if level >= shift else ""
            parts.append(text.ljust(col.width))
        lines.append(sep.join(parts).rstrip())
    lines.append(sep.join("-" * c.width for c in columns))
    return lines


def row(columns: Sequence[Column], cells: Sequence[Cell], sep: str = " ") -> list[str]:
    """One entry's lines; a wide value moves the following cells to a new line."""
    lines: list[str] = []
    line = ""
    start = 0
    for col, cell in zip(columns, cells, strict=True):
        parts = wrap_list(cell, col.width) if isinstance(cell, list) else [cell]
        if len(line.rstrip()) > start - len(sep) and line.strip():
            lines.append(line.rstrip())
            line = ""
        line = line.ljust(start) + parts[0]
        for more in parts[1:]:
            lines.append(line.rstrip())
            line = " " * start + more
        start += col.width + len(sep)
    lines.append(line.rstrip())
    return lines


def wrap_list(items: list[str], width: int) -> list[str]:
    """`a, b, c` broken into lines of at most `width` (a longer single item stays whole)."""
    if not items:
        return ["-"]
    lines: list[str] = []
    current = ""
    for i, item in enumerate(items):
        piece = item + ("," if i < len(items) - 1 else "")
        candidate = f"{current} {piece}" if current else piece
        if current and len(candidate) > width:
            lines.append(current)
            current = piece
        else:
            current = candidate
    lines.append(current)
    return lines


def table(columns: Sequence[Column], rows: Sequence[Sequence[Cell]], sep: str = " ") -> list[str]:
    if not rows:
        return footer(0)
    out = header(columns, sep)
    for cells in rows:
        out.extend(row(columns, cells, sep))
    return out + footer(len(rows))


def fields_table(names: Sequence[str], rows: Sequence[Sequence[Cell]]) -> list[str]:
    """`-fields a,b`: columns named by the fields, as wide as their widest value."""
    if not rows:
        return footer(0)
    texts = [[_flat(cell) for cell in cells] for cells in rows]
    widths = [max([len(name)] + [len(r[i]) for r in texts]) for i, name in enumerate(names)]
    out = [" ".join(n.ljust(w) for n, w in zip(names, widths, strict=True)).rstrip()]
    out.append(" ".join("-" * w for w in widths))
    for r in texts:
        out.append(" ".join(v.ljust(w) for v, w in zip(r, widths, strict=True)).rstrip())
    return out + footer(len(rows))


def instances(records: Sequence[Sequence[tuple[str, Cell]]]) -> list[str]:
    """`-instance`: every field of each entry, labels right-aligned, entries apart."""
    if not records:
        return footer(0)
    width = max(len(label) for rec in records for label, _ in rec)
    out: list[str] = []
    for rec in records:
        out.append("")
        for label, value in rec:
            out.append(f"{label.rjust(width)}: {_flat(value)}".rstrip())
    if len(records) > 1:
        out.append("")
    return out + footer(len(records))


def _flat(cell: Cell) -> str:
    if isinstance(cell, list):
        return ", ".join(cell) if cell else "-"
    return cell


def dash(value: object) -> str:
    """ONTAP prints `-` for a value that is not set."""
    if value is None or value == "":
        return "-"
    return str(value)
