"""What the SQL peers share: pyarrow values tagged the way tools/sql_peer_rows.ts tags Deno's, and the
comparison that names the first row that differs."""

import pyarrow as pa


def tagged(kind: pa.DataType, value):
    """A value as ["kind", value]: integers of any width as decimal strings, timestamps in milliseconds
    (what apache-arrow's getter gives; the caller casts timestamp columns to int64 first)."""
    if value is None:
        return None
    if pa.types.is_integer(kind):
        return ["i", str(value)]
    if pa.types.is_floating(kind):
        return ["f", value]
    if pa.types.is_string(kind):
        return ["s", value]
    if pa.types.is_boolean(kind):
        return ["b", value]
    if pa.types.is_timestamp(kind):
        per_ms = {"s": 1e-3, "ms": 1, "us": 1e3, "ns": 1e6}[kind.unit]
        return ["t", value / per_ms]
    raise SystemExit(f"sql peer: no tag for {kind}")


def tagged_rows(table: pa.Table) -> list:
    """Every row of `table`, each value tagged by its column's type."""
    as_numbers = [col.cast(pa.int64()) if pa.types.is_timestamp(col.type) else col for col in table.columns]
    return [
        [tagged(table.schema.field(c).type, as_numbers[c][r].as_py()) for c in range(table.num_columns)]
        for r in range(table.num_rows)
    ]


def require_same(label: str, deno: dict, columns: list, rows: list) -> None:
    """Exits naming the first row (or the shape) where Deno's result differs from pyarrow's."""
    if deno["columns"] == columns and deno["rows"] == rows:
        return
    for r, (ours, theirs) in enumerate(zip(deno["rows"], rows)):
        if ours != theirs:
            raise SystemExit(f"{label} row {r}: Deno read {ours}, pyarrow {theirs}")
    raise SystemExit(
        f"{label}: Deno read {deno['columns']} x {len(deno['rows'])} rows, pyarrow {columns} x {len(rows)}"
    )
