"""core.statements: a query compiled once gives, for every key, the instances the ORM gives."""

from __future__ import annotations

import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from audits.models import Deliverable, SelfCheck, SelfCheckItem
from core.statements import compile_statement
from tests.audits.builders_selfchecks import build_selfcheck, pdf_bytes

pytestmark = pytest.mark.django_db


def _fields(instance) -> dict:
    return {field.attname: getattr(instance, field.attname) for field in type(instance)._meta.concrete_fields}


def test_a_compiled_query_reads_what_the_orm_reads_for_each_key(people) -> None:
    from audits.selfchecks.services import checklists_generate, deliverables_add, selfcheck_item_update

    first = build_selfcheck(people, year=2026, month=10, count=4)
    checklists_generate(year=2026, month=11)
    second = first.project.selfchecks.get(year=2026, month=11, function=first.function)
    lead = people.user("lead")
    item = second.items.last()
    selfcheck_item_update(item=item, user=lead, status="na", note="备注", na_reason="本月无")
    content = pdf_bytes()
    deliverables_add(item=item, user=lead, uploads=[(io.BytesIO(content), "a.pdf", len(content))])
    statement = compile_statement(lambda key: SelfCheckItem.objects.filter(selfcheck_id=key), connection.alias)
    for selfcheck in (first, second):
        orm = list(SelfCheckItem.objects.filter(selfcheck=selfcheck))
        compiled = statement.instances(selfcheck.pk)
        assert [_fields(i) for i in compiled] == [_fields(i) for i in orm] and len(orm) == 4  # in the model's order
        assert all(isinstance(i.copied_from_last_month, bool) and i.updated_at.tzinfo for i in compiled)  # converters
    assert statement.instances(0) == []
    files = compile_statement(
        lambda key: Deliverable.objects.filter(item__selfcheck_id=key).only("id", "item_id", "original_name"),
        connection.alias,
    )
    [file] = files.instances(second.pk)
    assert (file.pk, file.item_id, file.original_name) == (Deliverable.objects.get().pk, item.pk, "a.pdf")
    assert file.get_deferred_fields() >= {"size", "sha256"}  # deferred as the queryset deferred them


def test_a_compiled_query_brings_its_related_instances(people) -> None:
    selfcheck = build_selfcheck(people, year=2026, month=10, count=2)
    statement = compile_statement(
        lambda key: SelfCheckItem.objects.select_related("selfcheck__project").filter(pk=key), connection.alias
    )
    item = selfcheck.items.first()
    [compiled] = statement.instances(item.pk)
    orm = SelfCheckItem.objects.select_related("selfcheck__project").get(pk=item.pk)
    assert _fields(compiled) == _fields(orm)
    with CaptureQueriesContext(connection) as queries:
        assert _fields(compiled.selfcheck) == _fields(orm.selfcheck)
        assert _fields(compiled.selfcheck.project) == _fields(orm.selfcheck.project)
    assert not queries.captured_queries  # loaded with the item, as select_related does
    assert statement.instances(0) == []


def test_a_compiled_query_takes_several_keys_and_annotations(people) -> None:
    from django.db.models import F

    first = build_selfcheck(people, year=2026, month=10, count=2)
    statement = compile_statement(
        lambda code, month, year: (
            SelfCheck.objects.filter(project__code=code, month=month, year=year)
            .select_related("project")
            .annotate(project_name=F("project__name"))
            .order_by("pk")[:1]
        ),
        connection.alias,
        keys=(str, int, int),
    )
    [found] = statement.instances(first.project.code, 10, 2026)
    assert found.pk == first.pk and found.project == first.project and found.project_name == first.project.name
    assert statement.instances(first.project.code, 11, 2026) == [] and statement.instances("none", 10, 2026) == []


def test_only_a_keyed_query_of_a_models_columns_compiles() -> None:
    with pytest.raises(ValueError, match="every key"):
        compile_statement(lambda key: SelfCheckItem.objects.filter(code="x"), connection.alias)
    with pytest.raises(ValueError, match="columns"):
        compile_statement(lambda key: SelfCheckItem.objects.filter(selfcheck_id=key).values("code"), connection.alias)
    with pytest.raises(TypeError):
        compile_statement(lambda key: SelfCheckItem.objects.filter(weight=key), connection.alias, keys=(float,))


def test_a_date_key_is_bound_as_the_backend_adapts_it(people) -> None:
    import datetime as dt

    from django.utils import timezone

    selfcheck = build_selfcheck(people, year=2026, month=10, count=2)
    statement = compile_statement(
        lambda key, since: SelfCheckItem.objects.filter(selfcheck_id=key, updated_at__date__gte=since),
        connection.alias,
        keys=(int, dt.date),
    )
    today = timezone.localdate()
    assert len(statement.instances(selfcheck.pk, today)) == 2
    assert statement.instances(selfcheck.pk, today + dt.timedelta(days=1)) == []


def test_a_compiled_values_list_gives_the_orms_rows(people) -> None:
    from django.db.models import Count, F

    selfcheck = build_selfcheck(people, year=2026, month=10, count=3)
    statement = compile_statement(
        lambda key: (
            SelfCheckItem.objects.filter(selfcheck_id=key)
            .values("stage_name")
            .annotate(n=Count("id"))
            .values_list("stage_name", "n")
            .order_by("stage_name")
        ),
        connection.alias,
    )
    orm = list(
        SelfCheckItem.objects.filter(selfcheck=selfcheck)
        .values("stage_name")
        .annotate(n=Count("id"))
        .values_list("stage_name", "n")
        .order_by("stage_name")
    )
    assert statement.rows(selfcheck.pk) == orm and sum(n for _stage, n in orm) == 3
    with pytest.raises(TypeError):
        statement.instances(selfcheck.pk)
    with pytest.raises(ValueError, match="order"):  # the ORM would reorder these rows; a statement does not
        compile_statement(
            lambda key: SelfCheckItem.objects.filter(selfcheck_id=key).annotate(c=F("code")).values_list("c", "name"),
            connection.alias,
        )
