"""ORM queries compiled once per process and run many times with a different key.

A page that shows one record's rows (a checklist's forty items, their files) runs the same query on every view with
only the record's key changing. The ORM builds and compiles that query again each time, which on the busy pages cost
more CPU than the database spends running it. Here the queryset is compiled once, with a placeholder for the key, and
each run binds the key, executes the SQL and builds the model instances as the ORM's ModelIterable does: the same
columns, the compiler's converters (SQLite's booleans and dates), `Model.from_db`, and the related instances of a
select_related (Django's related populators); a values_list gives its rows. A select_for_update is compiled, and so
run, inside a transaction.

It leans on Django's compiler internals (`select`, `klass_info`, `get_converters`, `get_related_populators`):
tests/core/test_statements.py compares every kind of statement with the ORM, so an upgrade that changes them fails
there.

Only the SQL text is kept, never a row: every run reads the database.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import connections
from django.db.models import Model, QuerySet
from django.db.models.query import ModelIterable, ValuesListIterable, get_related_populators

# The keys' placeholders in a compiled statement: integers within a small integer field's range (the ORM compiles an
# out-of-range lookup to no query at all) and strings no row holds, so that it compiles an ordinary lookup for each.
# A queryset must not hold one of these values as a constant of its own.
KEY = 32_001


def _placeholder(kind: type, n: int) -> Any:
    if kind is int:
        return KEY + n
    if kind is str:
        return f"\x1fkey{n}\x1f"
    if kind is dt.date:
        return dt.date(1901, 1, 1) + dt.timedelta(days=n)
    raise TypeError(f"a compiled statement's keys are int, str or date, not {kind.__name__}")


def _bind(placeholder: Any, value: Any, adapt: Callable[[Any], Any]) -> Any:
    """A key's value as its placeholder was compiled: a date as the backend adapts one (SQLite's text), an integer of
    the placeholder's type (psycopg's Int2…)."""
    if isinstance(value, dt.date):
        return value if isinstance(placeholder, dt.date) else adapt(value)
    return type(placeholder)(value)


@dataclass(frozen=True)
class Statement:
    """One compiled query: its SQL and parameters (the keys' placeholders among them), its columns' converters
    (position → converters and expression, as the compiler gives them), the model's attributes its first columns
    load, in order, the populators of its related instances, and where each annotation is."""

    model: type[Model]
    alias: str
    sql: str
    params: tuple[Any, ...]
    slots: dict[int, int]  # parameter position -> key position
    adapt_date: Callable[[Any], Any]
    converters: list[tuple[int, tuple[list[Any], Any]]]
    columns: list[str]
    related: list[Any]
    annotations: dict[str, int]

    def rows(self, *keys: Any) -> list[tuple]:
        """The query's rows for `keys`, converted as the ORM converts them: for a values_list, the tuples it gives."""
        params = list(self.params)
        for position, key in self.slots.items():
            params[position] = _bind(params[position], keys[key], self.adapt_date)
        connection = connections[self.alias]  # this thread's: a statement is shared by the process's threads
        with connection.cursor() as cursor:
            cursor.execute(self.sql, params)
            rows = cursor.fetchall()
        if not self.converters:
            return rows
        converted = []
        for row in rows:  # as SQLCompiler.apply_converters, with the connection of the thread that runs it
            values = list(row)
            for position, (converters, expression) in self.converters:
                value = values[position]
                for converter in converters:
                    value = converter(value, expression, connection)
                values[position] = value
            converted.append(tuple(values))
        return converted

    def instances(self, *keys: Any) -> list[Model]:
        """The query's rows for `keys`, as the model's instances (deferred fields as the queryset deferred them)."""
        if not self.columns:
            raise TypeError("a values_list statement gives rows, not instances")
        rows = self.rows(*keys)
        width, instances = len(self.columns), []
        for row in rows:
            instance = self.model.from_db(self.alias, self.columns, row[:width])
            for populator in self.related:
                populator.populate(row, instance)
            for name, position in self.annotations.items():
                setattr(instance, name, row[position])
            instances.append(instance)
        return instances


def compile_statement(build: Callable[..., QuerySet], alias: str, keys: tuple[type, ...] = (int,)) -> Statement:
    """`build(*placeholders)`, a queryset of one model's rows (or a values_list of them) filtered by keys of the given
    types (int, str or date; select_related, annotations and a slice allowed), compiled for the database `alias`.
    Callers keep the result per process and alias (functools.cache)."""
    placeholders = [_placeholder(kind, n) for n, kind in enumerate(keys)]
    queryset = build(*placeholders)
    compiler = queryset.query.get_compiler(alias)
    sql, params = compiler.as_sql()
    adapt_date = connections[alias].ops.adapt_datefield_value
    slots = {}
    for position, param in enumerate(params):
        for key, placeholder in enumerate(placeholders):
            compiled = adapt_date(placeholder) if isinstance(placeholder, dt.date) else placeholder
            if type(param) is not bool and isinstance(param, type(compiled)) and param == compiled:
                slots[position] = key
    if sorted(set(slots.values())) != list(range(len(keys))):
        raise ValueError("the queryset must filter on every key it is given")
    select, klass_info = compiler.select, compiler.klass_info
    converters = list(compiler.get_converters([expression for expression, _sql, _alias in select]).items())
    if queryset._known_related_objects:
        raise ValueError("only a model's columns, its select_related and annotations can be compiled once")
    if queryset._iterable_class is ValuesListIterable and not queryset._fields == _selected_names(queryset.query):
        raise ValueError("only a values_list whose names are in the order selected can be compiled once")
    if queryset._iterable_class is ValuesListIterable:
        columns, related, annotations = [], [], {}
    elif queryset._iterable_class is ModelIterable and klass_info is not None and klass_info["select_fields"][0] == 0:
        fields = klass_info["select_fields"]
        columns = [expression.target.attname for expression, _sql, _alias in select[: fields[-1] + 1]]
        related = get_related_populators(klass_info, select, alias)
        annotations = dict(compiler.annotation_col_map or {})
    else:
        raise ValueError("only a model's columns, its select_related and annotations can be compiled once")
    return Statement(
        queryset.model,
        alias,
        sql,
        tuple(params),
        slots,
        adapt_date,
        converters,
        columns,
        related,
        annotations,
    )


def _selected_names(query: Any) -> tuple[str, ...]:
    """The names of a values_list's columns in the order the compiler selects them (Django's ValuesListIterable
    reorders its rows when they differ from the names asked for)."""
    return (*query.extra_select, *query.values_select, *query.annotation_select)
