"""The notifications app's English catalogue (notifications/locale): compiled, complete, placeholders kept (SPEC §1)."""

from __future__ import annotations

import re
from pathlib import Path

import polib

CATALOGUE = Path(__file__).resolve().parents[2] / "notifications" / "locale" / "en" / "LC_MESSAGES"
PLACEHOLDER = re.compile(r"%\([a-z_]+\)[sd]|\{[a-z_]+\}")


def test_the_committed_mo_is_compiled_from_the_po_and_every_entry_is_translated() -> None:
    po = polib.pofile(str(CATALOGUE / "django.po"))
    mo = polib.mofile(str(CATALOGUE / "django.mo"))
    assert {e.msgid: e.msgstr or e.msgstr_plural for e in po} == {e.msgid: e.msgstr or e.msgstr_plural for e in mo}
    for entry in po:
        targets = list(entry.msgstr_plural.values()) if entry.msgid_plural else [entry.msgstr]
        assert all(targets), entry.msgid
        for target in targets:
            assert sorted(set(PLACEHOLDER.findall(target))) == sorted(set(PLACEHOLDER.findall(entry.msgid))), entry.msgid
            assert not any("\u4e00" <= ch <= "\u9fff" for ch in target), entry.msgid
