"""The registries core owns and the apps above it fill from AppConfig.ready: exports, home panels, periodic jobs."""

from __future__ import annotations

import pytest

from core import home, jobs, xlsx


def test_every_export_is_registered_by_its_identifier() -> None:
    assert set(xlsx.export_identifiers()) >= {"quarter", "caps", "rewards", "touchpoint-catalogue"}
    assert xlsx.export_for("caps").__module__ == "scoring.exports"
    assert xlsx.export_for("rewards").__module__ == "rewards.exports"
    with pytest.raises(xlsx.UnknownExport):
        xlsx.export_for("nothing")


def test_an_identifier_cannot_be_taken_twice() -> None:
    class Other(xlsx.Export):
        identifier = "caps"

    with pytest.raises(ValueError, match="taken"):
        xlsx.register_export(Other)
    assert xlsx.export_for("caps") is not Other


def test_each_app_registers_its_home_panels_and_its_jobs() -> None:
    modules = {provider.__module__ for provider in home._providers}
    assert modules == {"audits.selfchecks.home", "audits.inspections.home", "scoring.home", "rewards.home", "notifications.home"}
    assert jobs.job_names() == [
        "generate_checklists",
        "selfcheck_due_soon",
        "selfcheck_due",
        "missing_digest",
        "publication_due",
    ]
    owners = {job.name: job.run.__module__ for job in jobs.registered_jobs()}
    assert owners["generate_checklists"] == "audits.jobs" and owners["publication_due"] == "scoring.jobs"


def test_an_unknown_job_is_refused() -> None:
    import datetime as dt

    with pytest.raises(ValueError, match="unknown job"):
        jobs.job_run(job="nothing", day=dt.date(2028, 3, 1))
