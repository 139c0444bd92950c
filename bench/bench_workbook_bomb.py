"""Benchmark: a compressed "workbook bomb" is refused quickly and in little memory.

Builds a ~1 MB .xlsx whose one sheet expands to ~1.5 million rows (the attack: 1.0–1.4 MB files of 1.2–2 M rows took
a worker past 500 MB in 18 s), then reads it the way every import does (`core.xlsx.open_workbook` and
`read_sheet`), each case in a fresh subprocess, and reports wall and CPU time, the child's peak RSS (getrusage) and peak
Python allocations (tracemalloc):

- `declared`: the default limits; the sheet XML the zip declares is past WORKBOOK_MAX_SHEET_BYTES (50 MB), so the
  file is refused before parsing;
- `streamed`: the declared-size limit lifted, so the sheet is parsed in streaming mode until the row limit
  (WORKBOOK_MAX_ROWS, 20,000) stops it;
- `legacy` (only with --legacy): openpyxl's normal mode, as before the change, stopped after --legacy-timeout seconds.

    .venv/bin/python bench/bench_workbook_bomb.py [--rows 1500000] [--legacy]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUTPUT = Path("/tmp/tp_workbook_bomb.xlsx")
BUDGET_SECONDS = 5.0
BUDGET_MEGABYTES = 200.0

CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    '<Override PartName="/xl/sharedStrings.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>'
    "</Types>"
)
ROOT_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
    'Target="xl/workbook.xml"/></Relationships>'
)
WORKBOOK = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
    '<sheets><sheet name="营销" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" '
    'Target="worksheets/sheet1.xml"/>'
    '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" '
    'Target="sharedStrings.xml"/></Relationships>'
)
HEADER = ["编号", "阶段", "触点名称", "级别", "标准动作", "检查方式", "交付件", "责任部门", "协助部门"]
VALUES = ["开盘销售", "阳光销售宣言公示", "一级", "现场查看", "展板照片", "营销管理部", "运营管理部客服组"]
STRINGS = HEADER + VALUES


def shared_strings() -> str:
    items = "".join(f"<si><t>{text}</t></si>" for text in STRINGS)
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
        f'count="{len(STRINGS)}" uniqueCount="{len(STRINGS)}">{items}</sst>'
    )


def build_bomb(path: Path, rows: int, cells: int) -> tuple[int, int]:
    """Write a bomb of `rows` rows of `cells` shared-string cells; returns (file bytes, declared sheet XML bytes).

    Like the attack's files: no <dimension>, a handful of strings repeated, so deflate shrinks it about 200:1.
    """
    first_value = len(HEADER)
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr("[Content_Types].xml", CONTENT_TYPES)
        archive.writestr("_rels/.rels", ROOT_RELS)
        archive.writestr("xl/workbook.xml", WORKBOOK)
        archive.writestr("xl/_rels/workbook.xml.rels", WORKBOOK_RELS)
        archive.writestr("xl/sharedStrings.xml", shared_strings())
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as sheet:
            sheet.write(
                b'<?xml version="1.0" encoding="UTF-8"?>'
                b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
            )
            sheet.write(("<row>" + "".join(f'<c t="s"><v>{i}</v></c>' for i in range(len(HEADER))) + "</row>").encode())
            block = []
            for n in range(rows):
                values = [first_value + (n + k) % len(VALUES) for k in range(cells)]
                block.append("<row>" + "".join(f'<c t="s"><v>{v}</v></c>' for v in values) + "</row>")
                if len(block) == 10000:
                    sheet.write("".join(block).encode())
                    block.clear()
            sheet.write("".join(block).encode())
            sheet.write(b"</sheetData></worksheet>")
    declared = sum(i.file_size for i in zipfile.ZipFile(path).infolist() if i.filename.startswith("xl/"))
    return path.stat().st_size, declared


CHILD = r"""
import json, os, resource, sys, time, tracemalloc
import django
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
django.setup()
from touchpoints.spreadsheets import CATALOGUE_COLUMNS, CATALOGUE_REQUIRED
from core.xlsx import WorkbookInvalid, open_workbook, read_sheet
mode, path = sys.argv[1], sys.argv[2]
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
tracemalloc.start()
started = time.perf_counter()
cpu_before = sum(resource.getrusage(resource.RUSAGE_SELF)[:2])
outcome, rows = "accepted", 0
try:
    if mode == "legacy":
        from openpyxl import load_workbook
        workbook = load_workbook(path, data_only=True, read_only=False)
        rows = sum(1 for ws in workbook.worksheets for _ in ws.iter_rows(values_only=True))
    else:
        workbook = open_workbook(path)
        errors = []
        for ws in workbook.worksheets:
            rows += len(read_sheet(ws, CATALOGUE_COLUMNS, CATALOGUE_REQUIRED, errors).rows)
except WorkbookInvalid as exc:
    outcome = str(exc)
elapsed = time.perf_counter() - started
usage = resource.getrusage(resource.RUSAGE_SELF)
_, peak = tracemalloc.get_traced_memory()
print(json.dumps({
    "seconds": elapsed,
    "cpu_seconds": usage.ru_utime + usage.ru_stime - cpu_before,
    "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    "rss_before_mb": before,
    "python_peak_mb": peak / 1024 / 1024,
    "outcome": outcome,
    "rows": rows,
}))
"""


def run_case(mode: str, path: Path, env: dict[str, str], timeout: float) -> dict:
    started = time.perf_counter()
    try:
        child = subprocess.run(
            [sys.executable, "-c", CHILD, mode, str(path)],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
    except subprocess.TimeoutExpired:
        return {"mode": mode, "outcome": f"still reading after {timeout:.0f} s (stopped)", "seconds": timeout}
    if child.returncode != 0:
        raise SystemExit(child.stderr)
    result = json.loads(child.stdout.strip().splitlines()[-1])
    result["mode"] = mode
    result["wall_seconds"] = time.perf_counter() - started
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_500_000)
    parser.add_argument("--legacy", action="store_true", help="also time openpyxl's normal mode (the old reader)")
    parser.add_argument("--legacy-timeout", type=float, default=60.0)
    args = parser.parse_args()
    base_env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.test"}
    for name in ("WORKBOOK_MAX_SHEET_BYTES", "WORKBOOK_MAX_ROWS", "WORKBOOK_MAX_SECONDS"):
        base_env.pop(name, None)
    wide, narrow = OUTPUT.with_name("tp_bomb_wide.xlsx"), OUTPUT.with_name("tp_bomb_narrow.xlsx")
    cases = []
    for path, cells in ((wide, 4), (narrow, 1)):
        size, declared = build_bomb(path, args.rows, cells)
        print(
            f"{path.name}: {size / 1024 / 1024:.2f} MB on disk, {args.rows:,} rows of {cells} cells, "
            f"{declared / 1024 / 1024:.0f} MB of XML declared"
        )
        cases.append((f"{path.stem[8:]} (default limits)", path, base_env))
    cases.append(("wide (size limit lifted)", wide, {**base_env, "WORKBOOK_MAX_SHEET_BYTES": str(10**12)}))
    if args.legacy:
        cases.append(("legacy", wide, base_env))
    failed = False
    for label, path, env in cases:
        mode = "legacy" if label == "legacy" else "current"
        result = run_case(mode, path, env, args.legacy_timeout if mode == "legacy" else 60.0)
        line = f"{label:26s} {result['seconds']:6.2f} s"
        if "rss_mb" in result:
            line += f" (CPU {result['cpu_seconds']:5.2f} s)"
            line += (
                f"  peak RSS {result['rss_mb']:6.1f} MB (after imports {result['rss_before_mb']:.1f} MB)"
                f"  peak Python allocations {result['python_peak_mb']:6.1f} MB"
            )
        print(line)
        print(f"{'':26s} → {result['outcome'][:150]}")
        if mode != "legacy":
            # CPU time, not wall time: on a shared machine the wall clock measures the neighbours too
            within = result["cpu_seconds"] <= BUDGET_SECONDS and result["rss_mb"] <= BUDGET_MEGABYTES
            failed |= not (within and result["outcome"] != "accepted")
    if failed:
        raise SystemExit(f"a refusal took longer than {BUDGET_SECONDS:.0f} s or more than {BUDGET_MEGABYTES:.0f} MB")


if __name__ == "__main__":
    main()
