"""Bulk writes of whole columns: COPY on PostgreSQL, `bulk_create` in batches elsewhere.

For synthetic data and benchmarks only (`scoring.scorecards.synthetic`, bench scripts): rows go
straight to their tables, with no service, no validation and no audit trail. Reserve the ids
first, so that rows of other tables can point at them before they are written (Django declares
its foreign keys deferrable, checked at commit), then insert each table once:

    writer = BulkWriter()
    loop_ids = writer.reserve_ids(Loop, 1000)
    session_ids = writer.reserve_ids(InterviewSession, 4000)
    writer.insert(
        InterviewSession,
        4000,
        {
            "id": session_ids,
            "loop_id": np.repeat(loop_ids, 4),
            "order": np.tile(np.arange(1, 5), 1000),
            "duration_minutes": 60,  # a constant for every row
        },
    )

Call it inside one transaction (`transaction.atomic()`): a failure then leaves no half-written data.
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

import numpy as np
from django.db import connection, models

COPY_CHUNK_ROWS = 100_000
BULK_CREATE_BATCH = 5_000


def _text(value: Any) -> str:
    """One value in PostgreSQL COPY text format."""
    if value is None:
        return "\\N"
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, dt.datetime):
        return value.isoformat()
    if isinstance(value, (dict, list)):
        value = json.dumps(value)
    return (
        str(value)
        .replace("\\", "\\\\")
        .replace("\t", "\\t")
        .replace("\n", "\\n")
        .replace("\r", "\\r")
    )


def _column_texts(value: Any, rows: int) -> Iterable[str]:
    if isinstance(value, np.ndarray):
        if value.dtype.kind in "iuf":
            return value.astype(str).tolist()
        if value.dtype.kind == "b":
            return np.where(value, "t", "f").tolist()
        return [_text(v) for v in value.tolist()]
    if isinstance(value, list):
        return [_text(v) for v in value]
    return itertools.repeat(_text(value), rows)


def _column_values(value: Any, rows: int) -> Iterator[Any]:
    if isinstance(value, np.ndarray):
        return iter(value.tolist())
    if isinstance(value, list):
        return iter(value)
    return itertools.repeat(value, rows)


class BulkWriter:
    """Reserve ids and insert whole columns into any model's table."""

    def __init__(self) -> None:
        self.postgresql = connection.vendor == "postgresql"
        self._next_id: dict[type[models.Model], int] = {}

    def reserve_ids(self, model: type[models.Model], count: int) -> np.ndarray:
        """`count` fresh ids of the model's table, as an int64 array.

        On PostgreSQL they are drawn from the table's sequence, so concurrent inserts by the
        application never collide with them; elsewhere they follow the table's largest id.
        """
        if count == 0:
            return np.zeros(0, dtype=np.int64)
        if self.postgresql:
            return self._draw_from_sequence(model._meta.db_table, count)
        start = self._next_id.get(model)
        if start is None:
            start = (model.objects.aggregate(top=models.Max("id"))["top"] or 0) + 1
        self._next_id[model] = start + count
        return np.arange(start, start + count, dtype=np.int64)

    def _draw_from_sequence(self, table: str, count: int) -> np.ndarray:
        draw = "SELECT nextval(pg_get_serial_sequence(%s, 'id')) AS id FROM generate_series(1, %s)"
        with connection.cursor() as cursor:
            # Alone on the sequence, one statement draws a run of consecutive values: read only
            # its ends instead of `count` rows.
            cursor.execute(f"SELECT min(id), max(id) FROM ({draw}) AS drawn", [table, count])
            low, high = cursor.fetchone()
            if high - low + 1 == count:
                return np.arange(low, high + 1, dtype=np.int64)
            # Someone else drew values meanwhile: that run had gaps, so draw again, row by row.
            cursor.execute(f"SELECT array_agg(id) FROM ({draw}) AS drawn", [table, count])
            (ids,) = cursor.fetchone()
        return np.array(ids, dtype=np.int64)

    def insert(self, model: type[models.Model], rows: int, values: Mapping[str, Any]) -> None:
        """Insert `rows` rows; `values` maps field names (or attnames, `loop_id`) to numpy arrays
        or lists (one item per row) or to a constant. Fields not given take their model default;
        the primary key must be given (see `reserve_ids`)."""
        given = {}
        for field in model._meta.concrete_fields:
            if field.name in values:
                given[field] = values[field.name]
            elif field.attname in values:
                given[field] = values[field.attname]
            elif field.primary_key:
                raise ValueError(f"{model.__name__}: ids must be reserved and given")
            else:
                given[field] = field.get_default()
        if rows == 0:
            return
        if self.postgresql:
            self._copy(model, rows, given)
        else:
            self._bulk_create(model, rows, given)

    def _copy(self, model: type[models.Model], rows: int, given: dict[Any, Any]) -> None:
        columns = ", ".join(connection.ops.quote_name(f.column) for f in given)
        texts = [iter(_column_texts(value, rows)) for value in given.values()]
        statement = f"COPY {connection.ops.quote_name(model._meta.db_table)} ({columns}) FROM STDIN"
        with connection.cursor() as cursor, cursor.cursor.copy(statement) as copy:
            lines = zip(*texts, strict=False)
            while chunk := list(itertools.islice(lines, COPY_CHUNK_ROWS)):
                copy.write("".join("\t".join(line) + "\n" for line in chunk))

    def _bulk_create(self, model: type[models.Model], rows: int, given: dict[Any, Any]) -> None:
        names = [f.attname for f in given]
        columns = [_column_values(value, rows) for value in given.values()]
        objects = (
            model(**dict(zip(names, row, strict=True))) for row in zip(*columns, strict=False)
        )
        while batch := list(itertools.islice(objects, BULK_CREATE_BATCH)):
            model.objects.bulk_create(batch)
