"""`seed_demo` as a new user meets it: progress while it works, no e-mail on the console, a summary, the
logins last; and enough published quarters that the appraisal-caps sheet shows a cap and an at-risk warning (SPEC §6)."""

from __future__ import annotations

import datetime as dt
import io
import json
from pathlib import Path

import pytest
import time_machine
from django.core.management import call_command
from django.test import override_settings

from demo.org import DEMO_PASSWORD
from notifications.models import Notification
from scoring import selectors
from scoring.models import QuarterResult
from tests.scoring.builders import ensure_default_rules
from touchpoints.choices import Role

NOVEMBER = dt.datetime(2026, 11, 16, 2, 0, tzinfo=dt.UTC)  # Q4 2026: Q1–Q3 have ended


@pytest.fixture
def seeded(capsys) -> tuple[str, str]:
    """seed_demo run with the console mail backend a developer has; returns (command output, raw console)."""
    ensure_default_rules()  # an earlier transactional test's flush may have emptied the data migrations' tables
    out = io.StringIO()
    with (
        time_machine.travel(NOVEMBER, tick=False),
        override_settings(EMAIL_BACKEND="django.core.mail.backends.console.EmailBackend"),
    ):
        call_command("seed_demo", stdout=out)
    return out.getvalue(), capsys.readouterr().out


@pytest.mark.django_db(transaction=True)  # publication notifies after commit: the mail really goes out
def test_seed_demo_prints_progress_a_summary_and_the_logins_last_and_no_email(seeded) -> None:
    output, console = seeded
    for text in (output, console):
        assert "Subject:" not in text and "Content-Type" not in text
    assert Notification.objects.exists()  # publication still notified everyone assessed, in the app
    lines = output.splitlines()
    # One progress line per phase: organisation, each month's checklists, each quarter's inspections and publication.
    progress = [line for line in lines if line.startswith("· ")]
    assert any("演示组织" in line for line in progress)
    for month in range(1, 10):
        assert any(f"2026年{month}月" in line for line in progress), month
    for quarter in ("2026Q1", "2026Q2", "2026Q3"):
        assert any("检查" in line and quarter in line for line in progress)
        assert any("发布" in line and quarter in line for line in progress)
    summary = next(i for i, line in enumerate(lines) if line.startswith("演示业务数据"))
    assert "2026Q1、2026Q2、2026Q3" in lines[summary]
    data = json.loads(Path("fixtures/demo_org.json").read_text(encoding="utf-8"))
    usernames = {p["username"] for p in data["people"]} | {"admin"}
    header = next(i for i, line in enumerate(lines) if DEMO_PASSWORD in line)
    assert header > summary
    tail = lines[header + 1 :]
    assert len(tail) == len(usernames)  # the logins are the final lines, one per person
    assert {line.split()[0] for line in tail} == usernames
    assert len(lines) < len(usernames) + 25  # short: progress, summary, logins — no mail dump


@pytest.mark.django_db
def test_seed_demo_publishes_this_years_quarters_so_a_cap_and_a_warning_show() -> None:
    with time_machine.travel(NOVEMBER, tick=False):
        call_command("seed_demo", stdout=io.StringIO())
    assert sorted(QuarterResult.objects.values_list("year", "quarter")) == [(2026, 1), (2026, 2), (2026, 3)]
    with time_machine.travel(NOVEMBER, tick=False):
        caps = selectors.caps_for_year(year=2026)
        risks = selectors.at_risk_people(year=2026, caps=caps)
    assert caps.people, "at least one capped person"
    # R11: only assessed people (function head, project director, functional manager) are capped.
    assessed = {Role.FUNCTION_HEAD, Role.PROJECT_DIRECTOR, Role.FUNCTIONAL_MANAGER}
    assert any(set(person.roles) & assessed for person in caps.people), [(p.name, p.roles, p.units) for p in caps.people]
    assert caps.at_risk, "at least one unit at risk (预警)"
    assert any(risks[status.unit] for status in caps.at_risk)
    # Safe to run twice: nothing more is published.
    with time_machine.travel(NOVEMBER, tick=False):
        call_command("seed_demo", stdout=io.StringIO())
    assert QuarterResult.objects.count() == 3
