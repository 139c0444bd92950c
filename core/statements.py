"""ORM queries compiled once per process and run many times with a different key.

A page that shows one record's rows (a checklist's forty items, their files) runs the same query on every view with
only the record's key changing. The ORM builds and compiles that query again each time, which on the busy pages cost
more CPU than the database spends running it. Here the queryset is compiled once, with a placeholder for the key, and
each run binds the key, executes the SQL and builds the model instances as the ORM would: the same columns, the
compiler's converters (SQLite's booleans and dates), `Model.from_db`.

Only the SQL text is kept, never a row: every run reads the database.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import connections
from django.db.models import Model, QuerySet

# The key's placeholder in a compiled statement: an integer no row has (within a 32-bit key), so the ORM compiles an
# ordinary lookup for it.
KEY = 2_000_000_011


@dataclass(frozen=True)
class Statement:
    """One compiled query: its SQL and parameters (the key's placeholder among them), the compiler and its converters,
    and the model's attributes the selected columns load, in order."""

    model: type[Model]
    alias: str
    sql: str
    params: tuple[Any, ...]
    compiler: Any
    converters: dict
    columns: list[str]

    def instances(self, key: int) -> list[Model]:
        """The query's rows for `key`, as the model's instances (deferred fields as the queryset deferred them)."""
        # The placeholder replaced by the key, of the same type (a backend may wrap integers: psycopg's Int2).
        params = [type(p)(key) if isinstance(p, int) and p == KEY else p for p in self.params]
        with connections[self.alias].cursor() as cursor:
            cursor.execute(self.sql, params)
            rows = cursor.fetchall()
        if self.converters:
            rows = self.compiler.apply_converters(rows, self.converters)
        return [self.model.from_db(self.alias, self.columns, row) for row in rows]


def compile_statement(build: Callable[[int], QuerySet], alias: str) -> Statement:
    """`build(KEY)`, a queryset of one model's rows filtered by a key (no select_related, no annotations), compiled for
    the database `alias`. Callers keep the result per process and alias (functools.cache)."""
    queryset = build(KEY)
    compiler = queryset.query.get_compiler(alias)
    sql, params = compiler.as_sql()
    if KEY not in params:
        raise ValueError("the queryset must filter on the key it is given")
    selected = [expression for expression, _sql, _alias in compiler.select]
    if compiler.klass_info is None or compiler.annotation_col_map or compiler.klass_info.get("related_klass_infos"):
        raise ValueError("only a model's own columns can be compiled once")
    columns = [expression.target.attname for expression in selected]
    return Statement(queryset.model, alias, sql, tuple(params), compiler, compiler.get_converters(selected), columns)
