"""Deliverable bundles (SPEC §16): one zip of a quarter's deliverables for a cell or a unit, files named
`<touchpoint code>_<YYYY-MM>_<original name>`, streamed, with the files' own access (404 otherwise)."""

from __future__ import annotations

import datetime as dt
import io
import zipfile

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import StreamingHttpResponse

from audits.models import SelfCheck
from audits.selfchecks.services import checklists_generate, deliverables_add
from core import dates
from tests.audits.builders_selfchecks import build_touchpoints, pdf_bytes, png_bytes
from touchpoints.choices import Function

pytestmark = pytest.mark.django_db
NOW = dt.datetime(2026, 5, 20, 10, 0, tzinfo=dates.SHANGHAI)


@pytest.fixture
def files(people):
    """GG marketing: a plan in April and May (same touchpoint), a photo in May; GG design: one file; HK design: one."""
    with time_machine.travel(NOW, tick=False):
        tps = build_touchpoints(project=people.project, count=2, deliverable_every=1)
        [gg_design] = build_touchpoints(project=people.project, function=Function.DESIGN, count=1, deliverable_every=1)
        [hk_design] = build_touchpoints(project=people.other_project, function=Function.DESIGN, count=1, deliverable_every=1)
        people.other_project.stages.add(*people.project.stages.all())
        checklists_generate(year=2026, month=4)
        checklists_generate(year=2026, month=5)
        checklists_generate(year=2026, month=7)  # next quarter: never in a Q2 bundle

        def add(project, function, month, code, name, content, user):
            item = SelfCheck.objects.get(project=project, function=function, year=2026, month=month).items.get(code=code)
            deliverables_add(item=item, user=user, uploads=[(SimpleUploadedFile(name, content), name, len(content))])

        lead = people.user("lead")
        add(people.project, Function.MARKETING, 4, tps[0].code, "计划书.pdf", pdf_bytes(3000), lead)
        add(people.project, Function.MARKETING, 5, tps[0].code, "计划书.pdf", pdf_bytes(4000), lead)
        add(people.project, Function.MARKETING, 5, tps[1].code, "现场照片.png", png_bytes(), lead)
        add(people.project, Function.MARKETING, 7, tps[1].code, "七月.pdf", pdf_bytes(), lead)
        design = people.project.selfchecks.filter(function=Function.DESIGN, month=4).get().items.get(code=gg_design.code)
        from tests.factories import AssignmentFactory
        from touchpoints.choices import Role

        design_lead = AssignmentFactory(
            role=Role.FUNCTIONAL_MANAGER, project=people.project, function=Function.DESIGN
        ).person.user
        deliverables_add(item=design, user=design_lead, uploads=[(SimpleUploadedFile("图纸.pdf", pdf_bytes()), "图纸.pdf", 100)])
        hk = people.other_project.selfchecks.filter(function=Function.DESIGN, month=4).get().items.get(code=hk_design.code)
        deliverables_add(
            item=hk, user=people.user("outsider"), uploads=[(SimpleUploadedFile("hk.pdf", pdf_bytes()), "hk.pdf", 100)]
        )
    return tps


def unzip(response) -> dict[str, bytes]:
    assert isinstance(response, StreamingHttpResponse) and response["Content-Type"] == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
    assert archive.testzip() is None
    return {name: archive.read(name) for name in archive.namelist()}


def test_cell_bundle_names_files_by_touchpoint_code_and_month(client, people, files) -> None:
    client.force_login(people.user("lead"))
    response = client.get("/audits/bundles/2026Q2/cells/GG/marketing.zip")
    assert response.status_code == 200
    assert 'filename="GG-marketing-2026Q2.zip"' in response["Content-Disposition"]
    content = unzip(response)
    a, b = files[0].code, files[1].code
    assert sorted(content) == sorted([f"{a}_2026-04_计划书.pdf", f"{a}_2026-05_计划书.pdf", f"{b}_2026-05_现场照片.png"])
    assert content[f"{a}_2026-05_计划书.pdf"] == pdf_bytes(4000)


def test_unit_bundles_put_each_cell_in_its_folder(client, people, files) -> None:
    client.force_login(people.user("director"))
    content = unzip(client.get("/audits/bundles/2026Q2/units/project/GG.zip"))
    assert {name.split("/")[0] for name in content} == {"营销", "研发"}
    assert len(content) == 4
    client.force_login(people.user("hr"))
    content = unzip(client.get("/audits/bundles/2026Q2/units/function/design.zip"))
    assert sorted(name.split("/")[0] for name in content) == ["GG", "HK"]


@pytest.mark.parametrize(
    ("role", "url", "status"),
    [
        ("lead", "/audits/bundles/2026Q2/cells/GG/marketing.zip", 200),
        ("director", "/audits/bundles/2026Q2/cells/GG/marketing.zip", 200),
        ("head", "/audits/bundles/2026Q2/cells/GG/marketing.zip", 200),
        ("inspector", "/audits/bundles/2026Q2/cells/GG/marketing.zip", 200),
        ("hr", "/audits/bundles/2026Q2/cells/GG/marketing.zip", 200),
        ("outsider", "/audits/bundles/2026Q2/cells/GG/marketing.zip", 404),
        ("lead", "/audits/bundles/2026Q2/units/project/GG.zip", 404),
        ("head", "/audits/bundles/2026Q2/units/project/GG.zip", 404),
        ("director", "/audits/bundles/2026Q2/units/project/GG.zip", 200),
        ("director", "/audits/bundles/2026Q2/units/project/HK.zip", 404),
        ("director", "/audits/bundles/2026Q2/units/function/marketing.zip", 404),
        ("head", "/audits/bundles/2026Q2/units/function/marketing.zip", 200),
        ("head", "/audits/bundles/2026Q2/units/function/design.zip", 404),
        ("inspector", "/audits/bundles/2026Q2/units/function/design.zip", 200),
        ("outsider", "/audits/bundles/2026Q2/units/function/design.zip", 404),
        ("inspector", "/audits/bundles/2026Q9/units/function/design.zip", 404),
        ("inspector", "/audits/bundles/2026Q2/units/team/design.zip", 404),
        ("inspector", "/audits/bundles/2026Q2/cells/GG/nope.zip", 404),
    ],
)
def test_bundle_access_is_that_of_the_files(client, people, files, role, url, status) -> None:
    client.force_login(people.user(role))
    assert client.get(url).status_code == status


def test_bundle_streams_chunk_by_chunk_and_skips_a_file_missing_from_storage(client, people, files) -> None:
    from audits.models import Deliverable

    missing = Deliverable.objects.get(original_name="现场照片.png")
    missing.file.storage.delete(missing.file.name)
    client.force_login(people.user("inspector"))
    response = client.get("/audits/bundles/2026Q2/cells/GG/marketing.zip")
    chunks = list(response.streaming_content)
    assert len(chunks) > 2  # written as it goes, not built whole
    names = zipfile.ZipFile(io.BytesIO(b"".join(chunks))).namelist()
    assert len(names) == 2 and not any("现场照片" in n for n in names)


def test_signed_out_visitors_are_sent_to_sign_in(client, files) -> None:
    assert client.get("/audits/bundles/2026Q2/cells/GG/marketing.zip").status_code == 302


def test_unit_page_offers_the_bundle_to_those_who_may_download_it(client, people, files) -> None:
    from tests.insight.builders import publish_worked_example
    from tests.scoring.builders import Q1

    with time_machine.travel(dt.datetime(2026, 5, 25, 10, tzinfo=dates.SHANGHAI), tick=False):
        publish_worked_example(Q1)
        client.force_login(people.user("director"))
        assert 'data-testid="unit-bundle"' in client.get("/results/2026Q1/units/project/GG/").content.decode()
        assert 'data-testid="unit-bundle"' not in client.get("/results/2026Q1/units/project/HK/").content.decode()
        client.force_login(people.user("lead"))
        assert 'data-testid="unit-bundle"' not in client.get("/results/2026Q1/units/project/GG/").content.decode()
        client.force_login(people.user("head"))
        assert 'data-testid="unit-bundle"' in client.get("/results/2026Q1/units/function/marketing/").content.decode()
