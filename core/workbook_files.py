"""What an uploaded file really is, and whether it is safe to parse as a workbook.

Before openpyxl sees a byte: the file is recognised by its signature (an old .xls, a password-protected workbook, CSV
or text, a truncated download), and a real .xlsx is refused when the uncompressed size its zip declares for the sheet
XML passes `WORKBOOK_MAX_SHEET_BYTES`. Python's zip reader never inflates a member past its declared size, so that
figure bounds the work. Each refusal says what the file is and what to do, in the user's language.

Pure functions over bytes; no database. Kept apart from the workbook reader so both can move together.
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Iterator
from typing import IO

from django.conf import settings
from django.utils.translation import gettext as _

OLE2_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_SIGNATURES = (b"PK\x03\x04", b"PK\x05\x06", b"PK\x07\x08")
# An encrypted .xlsx is an OLE2 compound file holding the streams EncryptionInfo and EncryptedPackage (MS-OFFCRYPTO);
# their directory entries store the names in UTF-16LE.
ENCRYPTION_MARKERS = ("EncryptionInfo".encode("utf-16-le"), "EncryptedPackage".encode("utf-16-le"))
SHEET_XML = re.compile(r"^xl/(worksheets/[^/]+\.xml|sharedStrings\.xml)$", re.IGNORECASE)
MERGE_CELL = re.compile(rb"<(?:\w+:)?mergeCell\b[^>]*?\bref=\"([A-Z]{1,3}\d+(?::[A-Z]{1,3}\d+)?)\"")
MEGABYTE = 1024 * 1024


class FileRefused(Exception):
    """The upload is not a workbook we can read safely; the message says what it is and what to do."""


def _looks_like_text(head: bytes) -> bool:
    if not head or b"\x00" in head:
        return False
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = head.decode(encoding)
        except UnicodeDecodeError:
            continue
        printable = sum(1 for ch in text if ch.isprintable() or ch in "\r\n\t")
        return printable >= 0.95 * len(text)
    return False


def identify(data: bytes) -> None:
    """Refuse anything that is not an .xlsx zip, naming what it is. A zip is checked further by `check_archive`."""
    if not data:
        raise FileRefused(_("文件是空的,请重新选择要上传的 Excel 工作簿(.xlsx)"))
    if data.startswith(OLE2_SIGNATURE):
        if any(marker in data for marker in ENCRYPTION_MARKERS):
            raise FileRefused(
                _(
                    "这个工作簿设置了打开密码(已加密),无法读取。请在 Excel 中打开它,"
                    "在「文件 → 信息 → 保护工作簿 → 用密码进行加密」中清空密码,保存为 .xlsx 后重新上传。"
                )
            )
        raise FileRefused(
            _("这是旧版 Excel 97-2003 工作簿(.xls),无法读取。请在 Excel 中「另存为」Excel 工作簿(.xlsx)后重新上传。")
        )
    if data.startswith(ZIP_SIGNATURES):
        return
    if _looks_like_text(data[:4096]):
        raise FileRefused(
            _(
                "这是 CSV 或纯文本文件,不是 Excel 工作簿。请在 Excel 中打开它,"
                "「另存为」Excel 工作簿(.xlsx),并按模板的工作表和表头填写后重新上传。"
            )
        )
    raise FileRefused(_("无法识别的文件格式:需要 Excel 工作簿(.xlsx)。请在 Excel 中「另存为」.xlsx 后重新上传。"))


def check_archive(source: IO[bytes]) -> None:
    """Refuse a damaged zip, a zip that is not a workbook, and a workbook whose sheet XML would inflate past the limit."""
    try:
        archive = zipfile.ZipFile(source)
    except (zipfile.BadZipFile, EOFError, OSError) as exc:
        raise FileRefused(
            _("文件不完整或已损坏(可能是下载或上传中断)。请在 Excel 中打开原文件,重新保存为 .xlsx 后再上传。")
        ) from exc
    with archive:
        names = {info.filename for info in archive.infolist()}
        if "xl/workbook.xml" not in names:
            raise FileRefused(_("这是一个压缩文件,但不是 Excel 工作簿(.xlsx)。请上传用 Excel 保存的 .xlsx 文件。"))
        declared = sum(info.file_size for info in archive.infolist() if SHEET_XML.match(info.filename))
        shared = sum(info.file_size for info in archive.infolist() if info.filename.lower() == "xl/sharedstrings.xml")
    limit = settings.WORKBOOK_MAX_SHEET_BYTES
    # openpyxl loads every shared string before the first row (about 30,000 a second here), so they have their own,
    # tighter, limit.
    shared_limit = settings.WORKBOOK_MAX_SHARED_STRINGS_BYTES
    if shared > shared_limit:
        raise FileRefused(
            _(
                "工作簿太大:文字内容解压后约 {size} MB,超过 {limit} MB 的上限。"
                "请删除多余的行、列和工作表,或拆分成几个文件分别导入。"
            ).format(size=_megabytes(shared), limit=_megabytes(shared_limit))
        )
    if declared > limit:
        raise FileRefused(
            _(
                "工作簿太大:工作表数据解压后约 {size} MB,超过 {limit} MB 的上限。"
                "请删除多余的行、列和工作表,或拆分成几个文件分别导入。"
            ).format(size=_megabytes(declared), limit=_megabytes(limit))
        )
    source.seek(0)


def _megabytes(size: int) -> str:
    value = size / MEGABYTE
    return f"{value:.0f}" if value >= 10 else f"{value:.1f}"


def merged_ranges(archive: zipfile.ZipFile, member: str) -> list[str]:
    """The merged ranges (`A2:A4`) a sheet declares, read by scanning its XML in chunks (read-only openpyxl has none)."""
    ranges: list[str] = []
    tail = b""
    for chunk in _chunks(archive, member):
        block = tail + chunk
        last_end = 0
        for match in MERGE_CELL.finditer(block):
            ranges.append(match.group(1).decode())
            last_end = match.end()
        # keep an unfinished tag for the next chunk, never one already counted
        tail = block[max(last_end, len(block) - 256) :]
    return ranges


def _chunks(archive: zipfile.ZipFile, member: str, size: int = 1024 * 1024) -> Iterator[bytes]:
    with archive.open(member) as stream:
        while chunk := stream.read(size):
            yield chunk
