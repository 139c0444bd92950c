"""ORM queries compiled once per process and run many times with a different key.

A page that shows one record's rows (a checklist's forty items, their files) runs the same query on every view with
only the record's key changing. The ORM builds and compiles that query again each time, which on the busy pages cost
more CPU than the database spends running it. Here the queryset is compiled once, with a placeholder for the key, and
each run binds the key, executes the SQL and builds the model instances as the ORM's ModelIterable does: the same
columns, the compiler's converters (SQLite's booleans and dates), `Model.from_db`, and the related instances of a
select_related (Django's related populators). A select_for_update is compiled, and so run, inside a transaction.

Only the SQL text is kept, never a row: every run reads the database.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import connections
from django.db.models import Model, QuerySet
from django.db.models.query import get_related_populators

# The key's placeholder in a compiled statement: an integer no row has (within a 32-bit key), so the ORM compiles an
# ordinary lookup for it.
KEY = 2_000_000_011


@dataclass(frozen=True)
class Statement:
    """One compiled query: its SQL and parameters (the key's placeholder among them), the compiler and its converters,
    the model's attributes its first columns load, in order, and the populators of its related instances."""

    model: type[Model]
    alias: str
    sql: str
    params: tuple[Any, ...]
    compiler: Any
    converters: dict
    columns: list[str]
    related: list[Any]

    def instances(self, key: int) -> list[Model]:
        """The query's rows for `key`, as the model's instances (deferred fields as the queryset deferred them)."""
        # The placeholder replaced by the key, of the same type (a backend may wrap integers: psycopg's Int2).
        params = [type(p)(key) if isinstance(p, int) and p == KEY else p for p in self.params]
        with connections[self.alias].cursor() as cursor:
            cursor.execute(self.sql, params)
            rows = cursor.fetchall()
        if self.converters:
            rows = self.compiler.apply_converters(rows, self.converters)
        width, instances = len(self.columns), []
        for row in rows:
            instance = self.model.from_db(self.alias, self.columns, row[:width])
            for populator in self.related:
                populator.populate(row, instance)
            instances.append(instance)
        return instances


def compile_statement(build: Callable[[int], QuerySet], alias: str) -> Statement:
    """`build(KEY)`, a queryset of one model's rows filtered by a key (select_related allowed, no annotations),
    compiled for the database `alias`. Callers keep the result per process and alias (functools.cache)."""
    queryset = build(KEY)
    compiler = queryset.query.get_compiler(alias)
    sql, params = compiler.as_sql()
    if KEY not in params:
        raise ValueError("the queryset must filter on the key it is given")
    if compiler.annotation_col_map or queryset._known_related_objects:
        raise ValueError("only a model's columns and its select_related can be compiled once")
    select, klass_info = compiler.select, compiler.klass_info
    fields = klass_info["select_fields"]
    if fields[0] != 0:
        raise ValueError("only a model's columns and its select_related can be compiled once")
    columns = [expression.target.attname for expression, _sql, _alias in select[: fields[-1] + 1]]
    converters = compiler.get_converters([expression for expression, _sql, _alias in select])
    related = get_related_populators(klass_info, select, alias)
    return Statement(queryset.model, alias, sql, tuple(params), compiler, converters, columns, related)
