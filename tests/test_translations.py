"""The English catalogue is complete, compiled and faithful to its placeholders (SPEC §1).

The compiled .mo files are committed, so installing needs no GNU gettext; this test fails when the .po and the .mo
disagree, or when a string has no translation or loses a placeholder.
"""

from __future__ import annotations

import re
from pathlib import Path

import polib
import pytest

LOCALE = Path(__file__).resolve().parent.parent / "locale"
PLACEHOLDER = re.compile(r"%\([a-z_]+\)[sd]|\{[a-z_]+\}")


def _translations(catalogue):
    return {(e.msgctxt, e.msgid): (e.msgstr, tuple(sorted(e.msgstr_plural.items()))) for e in catalogue if not e.obsolete}


@pytest.mark.parametrize("language", ["en", "zh_Hans"])
def test_the_committed_mo_is_compiled_from_the_po(language):
    po = polib.pofile(str(LOCALE / language / "LC_MESSAGES" / "django.po"))
    mo = polib.mofile(str(LOCALE / language / "LC_MESSAGES" / "django.mo"))
    assert _translations(po) == _translations(mo), "run the catalogue update: the .mo is stale"


def test_every_english_entry_is_translated_with_its_placeholders():
    po = polib.pofile(str(LOCALE / "en" / "LC_MESSAGES" / "django.po"))
    assert len(po) > 600
    problems = []
    for entry in po:
        if "fuzzy" in entry.flags:
            problems.append(("fuzzy", entry.msgid))
        targets = list(entry.msgstr_plural.values()) if entry.msgid_plural else [entry.msgstr]
        if not all(targets):
            problems.append(("untranslated", entry.msgid))
            continue
        wanted = sorted(set(PLACEHOLDER.findall(entry.msgid)))
        for target in targets:
            if sorted(set(PLACEHOLDER.findall(target))) != wanted:
                problems.append(("placeholders", entry.msgid, target))
    assert problems == []


def test_no_english_translation_is_left_in_chinese():
    po = polib.pofile(str(LOCALE / "en" / "LC_MESSAGES" / "django.po"))
    # The customer's own sheet headers and result words (SPEC §10) stay Chinese inside English sentences, and so do
    # the language's own name; anything else in Chinese is an untranslated string.
    allowed = set(
        "营销研发工程客户关系物业完成未不适用编号阶段触点名称级别标准动作检查方式交付件责任部门协助部门职能结果项目人员负责人总监经理团队成简体中文频次每月季度年按事件N本发生"
    )
    leftovers = [
        e.msgid
        for e in po
        if any("\u4e00" <= ch <= "\u9fff" and ch not in allowed for ch in (e.msgstr or e.msgstr_plural.get(0, "")))
    ]
    assert leftovers == []


def _chinese_left(text: str, allowed: set[str]) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" and ch not in allowed for ch in text)


@pytest.mark.django_db(databases=[])
def test_every_model_label_reads_in_english():
    """Field labels, help texts and choices show in the admin and in forms: each must be in the catalogue (the
    catalogue tests above only see what is in it, so a label added without an entry slipped past them)."""
    from django.apps import apps
    from django.utils import translation

    allowed = set("营销研发工程客户关系物业完成未不适用")  # the customer's own function and result words (SPEC §10)
    ours = {"core", "touchpoints", "audits", "scoring", "rewards", "notifications", "demo"}
    untranslated = []
    with translation.override("en"):
        for model in apps.get_models():
            if model._meta.app_label not in ours or model.__name__.startswith("Historical"):
                continue
            opts = model._meta
            for label in (opts.verbose_name, opts.verbose_name_plural):
                if _chinese_left(str(label), allowed):
                    untranslated.append((model.__name__, str(label)))
            for field in opts.get_fields(include_hidden=False):
                texts = [getattr(field, "verbose_name", ""), getattr(field, "help_text", "")]
                texts += [str(name) for _, name in (getattr(field, "flatchoices", None) or [])]
                for text in texts:
                    # A language's own name stays in that language (简体中文 in the language menu).
                    if text and str(text) != "简体中文" and _chinese_left(str(text), allowed):
                        untranslated.append((f"{model.__name__}.{field.name}", str(text)))
    assert untranslated == [], untranslated
