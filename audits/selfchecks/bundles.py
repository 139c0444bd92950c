"""Deliverable bundles (SPEC §16): one zip of a quarter's deliverables for a cell or a unit, streamed.

Access is that of the files themselves (`audits.selfchecks.selectors.get_deliverable_for`): a cell's bundle to
whoever may read the cell; a project's bundle to operations, HR, admins and the project's director; a function's to
operations, HR, admins and the function's head. Anyone else gets 404.

The zip is written by the standard library's `zipfile` into a write-only stream that the response drains after every
chunk: files are read in 1 MiB pieces and stored (deliverables are PDFs, images and Office files, already
compressed), so memory stays flat whatever the bundle's size; sizes and CRCs go in data descriptors after each file.
"""

from __future__ import annotations

import io
import posixpath
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass

from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone

from audits.models import Deliverable
from core.access import Scope
from core.dates import Quarter
from touchpoints.choices import Function
from touchpoints.models import Project

CHUNK = 1024 * 1024


@dataclass(frozen=True)
class BundleEntry:
    deliverable: Deliverable
    arcname: str


@dataclass(frozen=True)
class Bundle:
    filename: str
    entries: list[BundleEntry]

    @property
    def size(self) -> int:
        return sum(entry.deliverable.size for entry in self.entries)


def _safe(name: str) -> str:
    """A file name with no directory part and no characters zip readers trip over."""
    name = posixpath.basename(name.replace("\\", "/")).strip() or "file"
    return "".join("_" if ch in '<>:"|?*' or ord(ch) < 32 else ch for ch in name)


def entry_name(*, code: str, year: int, month: int, original_name: str) -> str:
    """`<touchpoint code>_<YYYY-MM>_<original name>` (SPEC §16)."""
    return f"{_safe(code)}_{year:04d}-{month:02d}_{_safe(original_name)}"


def _deliverables(quarter: Quarter) -> QuerySet[Deliverable]:
    return (
        Deliverable.objects.filter(item__selfcheck__year=quarter.year, item__selfcheck__month__in=[m for _y, m in quarter.months])
        .select_related("item__selfcheck__project")
        .order_by("item__selfcheck__project__code", "item__selfcheck__function", "item__code", "item__selfcheck__month", "id")
    )


def _entries(rows: QuerySet[Deliverable], *, folder: str) -> list[BundleEntry]:
    """Entries with unique names: a folder per cell when the bundle spans cells ("project" / "function" / "")."""
    seen: set[str] = set()
    entries = []
    for deliverable in rows:
        check = deliverable.item.selfcheck
        name = entry_name(code=deliverable.item.code, year=check.year, month=check.month, original_name=deliverable.original_name)
        if folder == "project":
            name = f"{_safe(check.project.code)}/{name}"
        elif folder == "function":
            name = f"{_safe(str(Function(check.function).label))}/{name}"
        stem, dot, ext = name.rpartition(".")
        candidate, n = name, 2
        while candidate in seen:
            candidate = f"{stem} ({n}).{ext}" if dot else f"{name} ({n})"
            n += 1
        seen.add(candidate)
        entries.append(BundleEntry(deliverable, candidate))
    return entries


def cell_bundle(*, scope: Scope, quarter: Quarter, project_code: str, function: str) -> Bundle:
    """A cell's deliverables of a quarter, for whoever may read the cell (404 otherwise). One query plus the project."""
    project = Project.objects.filter(code=project_code).first()
    if function not in Function.values or project is None or not scope.can_read_cell(project.pk, function):
        raise Http404
    rows = _deliverables(quarter).filter(item__selfcheck__project=project, item__selfcheck__function=function)
    return Bundle(f"{project.code}-{function}-{quarter}.zip", _entries(rows, folder=""))


def may_bundle_unit(*, scope: Scope, kind: str, code: str, project_id: int | None = None) -> bool:
    """Whether the reader may download a unit's bundle: operations, HR and admins any unit; a director their project;
    a head their function (a project's `project_id` is needed for the director's check)."""
    if scope.sees_all:
        return True
    if kind == "project":
        return project_id is not None and project_id in scope.directed_projects
    return kind == "function" and code in scope.headed_functions


def unit_bundle(*, scope: Scope, quarter: Quarter, kind: str, code: str) -> Bundle:
    """A unit's deliverables of a quarter: every cell of a project (its director) or of a function across projects
    (its head); operations, HR and admins for any unit. 404 for anyone else."""
    if kind == "project":
        project = Project.objects.filter(code=code).first()
        if project is None or not may_bundle_unit(scope=scope, kind=kind, code=code, project_id=project.pk):
            raise Http404
        rows = _deliverables(quarter).filter(item__selfcheck__project=project)
        return Bundle(f"{project.code}-{quarter}.zip", _entries(rows, folder="function"))
    if kind == "function":
        if code not in Function.values or not may_bundle_unit(scope=scope, kind=kind, code=code):
            raise Http404
        rows = _deliverables(quarter).filter(item__selfcheck__function=code)
        return Bundle(f"{code}-{quarter}.zip", _entries(rows, folder="project"))
    raise Http404


class _Drain(io.RawIOBase):
    """A write-only, non-seekable stream whose written bytes are taken out after each chunk."""

    def __init__(self) -> None:
        self._chunks: list[bytes] = []
        self._position = 0

    def writable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return False

    def tell(self) -> int:
        return self._position

    def write(self, data) -> int:  # type: ignore[override]
        data = bytes(data)
        self._chunks.append(data)
        self._position += len(data)
        return len(data)

    def take(self) -> bytes:
        data = b"".join(self._chunks)
        self._chunks.clear()
        return data


def stream_zip(bundle: Bundle) -> Iterator[bytes]:
    """The bundle as zip bytes, chunk by chunk (see the module docstring). A file missing from storage is skipped."""
    sink = _Drain()
    with zipfile.ZipFile(sink, mode="w", compression=zipfile.ZIP_STORED, allowZip64=True) as archive:
        for entry in bundle.entries:
            deliverable = entry.deliverable
            try:
                source = deliverable.file.open("rb")
            except (FileNotFoundError, OSError):
                continue
            info = zipfile.ZipInfo(entry.arcname, date_time=timezone.localtime(deliverable.uploaded_at).timetuple()[:6])
            info.compress_type = zipfile.ZIP_STORED
            with source, archive.open(info, mode="w", force_zip64=True) as target:
                while True:
                    piece = source.read(CHUNK)
                    if not piece:
                        break
                    target.write(piece)
                    yield sink.take()
            yield sink.take()
    yield sink.take()
