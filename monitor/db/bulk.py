"""Many rows into one table at once, the fastest way the database offers, in the caller's
transaction.

A collector's backlog brings hundreds of thousands of samples (72 h of a school: 430,000 ping
samples, 700,000 interface rates). On PostgreSQL they go in with COPY, which took about a third
of the central's CPU that pipelined INSERTs took for the same rows (bench/collector_ingest.py);
elsewhere (SQLite) as one executemany INSERT. Either way the column types' own conversions apply (UTCDateTime: aware UTC
in, naive UTC stored), so a row reads back the same whichever way it was written.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from sqlalchemy import Table, insert
from sqlalchemy.orm import Session

# Below this many rows COPY's own start costs more than it saves.
COPY_FROM = 200


def insert_rows(session: Session, table: Table | Any, rows: Sequence[Mapping[str, Any]]) -> int:
    """Insert `rows` (dicts keyed by column name, all with the same keys) into `table` (a Table
    or a mapped class); returns how many. Pending ORM changes are flushed first, so rows may
    refer to objects added in the same transaction."""
    if not rows:
        return 0
    target: Table = getattr(table, "__table__", table)
    connection = session.connection()
    if connection.dialect.name != "postgresql" or len(rows) < COPY_FROM:
        session.execute(insert(target), list(rows))
        return len(rows)
    session.flush()
    names = list(rows[0])
    columns = [target.c[name] for name in names]
    convert = [_remembering(c.type.bind_processor(connection.dialect)) for c in columns]
    preparer = connection.dialect.identifier_preparer
    quoted = ", ".join(preparer.quote(n) for n in names)
    raw = connection.connection.driver_connection  # psycopg's own connection, same transaction
    assert raw is not None
    with (
        raw.cursor() as cursor,
        cursor.copy(f"COPY {preparer.format_table(target)} ({quoted}) FROM STDIN") as copy,
    ):
        for row in rows:
            copy.write_row(
                [
                    value if f is None or value is None else f(value)
                    for f, value in zip(convert, (row[n] for n in names), strict=True)
                ]
            )
    return len(rows)


def _remembering(convert: Callable[[Any], Any] | None) -> Callable[[Any], Any] | None:
    """`convert` that works out each distinct value once: a backlog's rows share few times
    (one per sweep for a hundred devices)."""
    if convert is None:
        return None
    seen: dict[Any, Any] = {}

    def remembered(value: Any) -> Any:
        try:
            return seen[value]
        except KeyError:
            seen[value] = done = convert(value)
            return done
        except TypeError:  # unhashable (a JSON list): as it is
            return convert(value)

    return remembered
