"""Checking a deliverable file (交付件) before it is stored: size, and type judged from the file's CONTENT.

The name a browser sends is not trusted: an ``.exe`` renamed ``.pdf`` is refused because its bytes are not a PDF.
PDF and images are recognised by their signature (``filetype``); Office Open XML documents (docx/xlsx/pptx) are
zip archives, so they are opened as zips and must hold the parts of their kind; legacy Office documents (doc/xls/ppt)
must start with the OLE2 compound-file signature. The name's extension must then agree with the content.
"""

from __future__ import annotations

import hashlib
import zipfile
from dataclasses import dataclass
from pathlib import PurePath
from typing import IO

import filetype
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

MAX_DELIVERABLE_BYTES = 20 * 1024 * 1024  # 20 MB per file
MAX_FILES_PER_ITEM = 20

# Signature-detected kinds: detected extension -> (content type, extensions a name may carry).
SIGNATURE_KINDS: dict[str, tuple[str, frozenset[str]]] = {
    "pdf": ("application/pdf", frozenset({"pdf"})),
    "jpg": ("image/jpeg", frozenset({"jpg", "jpeg"})),
    "png": ("image/png", frozenset({"png"})),
    "gif": ("image/gif", frozenset({"gif"})),
    "webp": ("image/webp", frozenset({"webp"})),
    "heic": ("image/heic", frozenset({"heic", "heif"})),
    "bmp": ("image/bmp", frozenset({"bmp"})),
}

# Office Open XML: the part every document of the kind holds.
OOXML_KINDS: dict[str, tuple[str, str]] = {
    "docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", "word/document.xml"),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xl/workbook.xml"),
    "pptx": ("application/vnd.openxmlformats-officedocument.presentationml.presentation", "ppt/presentation.xml"),
}

# Legacy Office (OLE2 compound file): the content only says "an Office 97–2003 file", so the extension names which.
OLE_SIGNATURE = bytes.fromhex("D0CF11E0A1B11AE1")
OLE_KINDS: dict[str, str] = {
    "doc": "application/msword",
    "xls": "application/vnd.ms-excel",
    "ppt": "application/vnd.ms-powerpoint",
}

ACCEPT_ATTRIBUTE = ",".join(
    sorted(
        {f".{ext}" for _ct, exts in SIGNATURE_KINDS.values() for ext in exts}
        | {f".{e}" for e in OOXML_KINDS}
        | {f".{e}" for e in OLE_KINDS}
    )
)


@dataclass(frozen=True)
class CheckedFile:
    """What the content check found: the type to serve the file with and the extension to store it under."""

    content_type: str
    extension: str
    size: int
    sha256: str


def extension_of(name: str) -> str:
    return PurePath(name or "").suffix.lower().lstrip(".")


def _head(file: IO[bytes], n: int = 8192) -> bytes:
    file.seek(0)
    head = file.read(n)
    file.seek(0)
    return head


def _digest(file: IO[bytes]) -> str:
    file.seek(0)
    digest = hashlib.sha256()
    for chunk in iter(lambda: file.read(1024 * 1024), b""):
        digest.update(chunk)
    file.seek(0)
    return digest.hexdigest()


def _ooxml_kind(file: IO[bytes]) -> str | None:
    """The OOXML kind of a zip, from its part names only (nothing is extracted, so a zip bomb costs nothing)."""
    try:
        file.seek(0)
        with zipfile.ZipFile(file) as archive:
            names = set(archive.namelist())
    except (zipfile.BadZipFile, OSError, ValueError):
        return None
    finally:
        file.seek(0)
    if "[Content_Types].xml" not in names:
        return None
    for kind, (_content_type, part) in OOXML_KINDS.items():
        if part in names:
            return kind
    return None


def allowed_types_label() -> str:
    return _("PDF、图片(JPG/PNG/GIF/WEBP/HEIC)、Word、Excel、PowerPoint(含 97-2003 格式)")


def deliverable_check(*, file: IO[bytes], name: str, size: int) -> CheckedFile:
    """Check one uploaded deliverable; raise ValidationError with a Chinese message naming the file when refused."""
    if size > MAX_DELIVERABLE_BYTES:
        raise ValidationError(
            _("文件「{name}」有 {size} MB,超过 20 MB 的上限,请压缩或拆分后再上传").format(
                name=name, size=f"{size / 1024 / 1024:.1f}"
            )
        )
    if size == 0:
        raise ValidationError(_("文件「{name}」是空文件").format(name=name))
    head = _head(file)
    ext = extension_of(name)
    refused = ValidationError(
        _("文件「{name}」的内容不是允许的类型(只接受 {types}),未上传").format(name=name, types=allowed_types_label())
    )
    mismatch = ValidationError(_("文件「{name}」的内容与扩展名 .{ext} 不符,未上传").format(name=name, ext=ext or "?"))

    if head.startswith(b"PK\x03\x04"):
        kind = _ooxml_kind(file)
        if kind is None:
            raise refused
        if ext != kind:
            raise mismatch
        return CheckedFile(OOXML_KINDS[kind][0], kind, size, _digest(file))

    if head.startswith(OLE_SIGNATURE):
        if ext not in OLE_KINDS:
            raise mismatch if ext in SIGNATURE_KINDS or ext in OOXML_KINDS else refused
        return CheckedFile(OLE_KINDS[ext], ext, size, _digest(file))

    guess = filetype.guess(head)
    if guess is None or guess.extension not in SIGNATURE_KINDS:
        raise refused
    content_type, extensions = SIGNATURE_KINDS[guess.extension]
    if ext not in extensions:
        raise mismatch
    return CheckedFile(content_type, guess.extension, size, _digest(file))
