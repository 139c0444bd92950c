"""Every page, as every role, speaks one language (SPEC §1).

The demo company is seeded (it has every screen's data: checklists, inspections, a published quarter, splits), then
each kind of user crawls every page reachable by links from the home page, once in Chinese and once in English:

* in English, no Chinese character may remain once data is taken out;
* in Chinese, no English word may remain once data is taken out.

"Data" is what users entered: every text value stored in the product's own tables (names of people, projects,
touchpoints, stages, levels, findings, notes…), plus what SPEC §10 keeps Chinese on purpose (the customer's Excel
headers and result words). Internal codes (`customer_relations`) and rule numbers (R6, SPEC §7) count as interface
text, so they fail in both languages.
"""

from __future__ import annotations

import re
from collections import defaultdict
from html.parser import HTMLParser
from urllib.parse import urldefrag, urlsplit

import pytest
from django.apps import apps
from django.core.management import call_command
from django.db import models
from django.test import Client
from django.urls import Resolver404, resolve

from tests.crawl import SKIP_PATHS, representative_users

pytestmark = pytest.mark.django_db

OWN_APPS = {"touchpoints", "audits", "scoring", "rewards", "notifications", "core", "demo"}
# Tables whose text is the product speaking, not users' data: they must be rendered in the reader's language.
NOT_DATA = {"notifications.notification"}
PER_VIEW = 3  # distinct URLs crawled per view name: enough to see every template, bounded as the data grows
MAX_PAGES = 400

# What SPEC §10 keeps Chinese inside English sentences: the customer's sheet and column names and result words.
SPREADSHEET_WORDS = frozenset(
    {
        "编号",
        "阶段",
        "触点名称",
        "级别",
        "标准动作",
        "检查方式",
        "交付件",
        "责任部门",
        "协助部门",
        "频次",
        "每月",
        "每季度",
        "每年N月",
        "按事件",
        "项目编号",
        "项目名称",
        "当前阶段",
        "工号",
        "姓名",
        "邮箱",
        "考核单元",
        "角色",
        "职能",
        "起始日期",
        "结束日期",
        "触点编号",
        "结果",
        "说明",
        "职能负责人",
        "项目总监",
        "职能经理",
        "团队成员",
        "完成",
        "未完成",
        "不适用",
        "营销",
        "研发",
        "工程",
        "客户关系",
        "物业",
        "项目",
        "人员",
        "简体中文",
    }
)
# Names and formats that are the same in both languages.
WORDS_IN_BOTH = {
    "excel", "xlsx", "pdf", "sha", "jpg", "png", "gif", "webp", "heic", "word", "powerpoint", "english", "office",
    "totp", "wecom", "dingtalk", "csv", "xls", "zip", "url", "http", "https", "www", "google", "microsoft",
    "authenticator", "key", "access_token", "sec",  # authenticator apps; the robot URL's parameters, DingTalk's SEC…
}  # fmt: skip
CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]+")
ENGLISH_WORD = re.compile(r"[A-Za-z][A-Za-z_]{2,}")
# Rule numbers and internal codes belong in code and tests, never on a page, in either language.
INTERNAL = re.compile(r"\bR\d{1,2}[ab]?\b|SPEC|§\s*\d+|\b[a-z]+_[a-z_]+\b")


class VisibleText(HTMLParser):
    """The text a person reads: text nodes and the labels screen readers and tooltips show; plus the links."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.chunks: list[str] = []
        self.links: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag in {"script", "style", "template", "code", "kbd", "samp"}:  # code: secrets, URLs, file formats
            self._skip += 1
        if tag == "a" and attributes.get("href"):
            self.links.append(attributes["href"])
        for name in ("title", "aria-label", "placeholder", "alt"):
            if attributes.get(name):
                self.chunks.append(attributes[name])
        if tag == "input" and attributes.get("type") in {"submit", "button"} and attributes.get("value"):
            self.chunks.append(attributes["value"])

    def handle_endtag(self, tag):
        if tag in {"script", "style", "template", "code", "kbd", "samp"} and self._skip:
            self._skip -= 1

    def handle_data(self, data):
        if not self._skip and data.strip():
            self.chunks.append(data)


def data_strings() -> list[str]:
    """Every text value users entered, longest first (so a long name is removed before a short one inside it)."""
    values: set[str] = set()
    for model in apps.get_models():
        label = model._meta.label_lower
        if model._meta.app_label not in OWN_APPS and label != "auth.user":
            continue
        if label in NOT_DATA or label.startswith("notifications.historical"):
            continue
        fields = [
            f.name
            for f in model._meta.concrete_fields
            if isinstance(f, models.CharField | models.TextField | models.EmailField) and not f.choices
        ]
        if not fields:
            continue
        for row in model._default_manager.values_list(*fields):
            values.update(v.strip() for v in row if isinstance(v, str) and v.strip())
    return sorted(values, key=len, reverse=True)


def crawl(client: Client, language: str) -> dict[str, str]:
    """Visit every same-site page reachable from home; return {url: visible text} for the HTML pages."""
    seen_per_view: dict[str, int] = defaultdict(int)
    queue, seen, pages = ["/"], {"/"}, {}
    while queue and len(pages) < MAX_PAGES:
        url = queue.pop(0)
        response = client.get(url, HTTP_ACCEPT_LANGUAGE=language)
        if response.status_code != 200 or not response.get("Content-Type", "").startswith("text/html"):
            continue
        parser = VisibleText()
        parser.feed(response.content.decode())
        pages[url] = " ".join(parser.chunks)
        for href in parser.links:
            href = urldefrag(href)[0]
            parts = urlsplit(href)
            if parts.scheme or parts.netloc or not parts.path.startswith("/") or href in seen:
                continue
            if parts.path.startswith(SKIP_PATHS):
                continue
            try:
                name = resolve(parts.path).view_name
            except Resolver404:
                continue
            if seen_per_view[name] >= PER_VIEW:
                continue
            seen_per_view[name] += 1
            seen.add(href)
            queue.append(href)
    return pages


def without_data(text: str, data: list[str]) -> str:
    for value in data:
        if value not in text:
            continue
        if value.isascii():  # a Latin value (a grade "A", a code) is data only as a whole word, not inside one
            text = re.sub(rf"(?<![A-Za-z0-9_]){re.escape(value)}(?![A-Za-z0-9_])", " ", text)
        else:
            text = text.replace(value, " ")
    return text


def foreign_text(text: str, language: str) -> list[str]:
    internal = [w for w in INTERNAL.findall(text) if w.lower() not in WORDS_IN_BOTH]
    if language == "en":
        for word in sorted(SPREADSHEET_WORDS, key=len, reverse=True):
            text = text.replace(word, " ")
        return internal + CJK.findall(text)
    return internal + [w for w in ENGLISH_WORD.findall(text) if w.lower() not in WORDS_IN_BOTH and not INTERNAL.match(w)]


@pytest.fixture
def demo_company(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_every_page_as_every_role_is_in_one_language(demo_company, language):
    data = data_strings()
    problems: dict[str, set[str]] = defaultdict(set)
    crawled = 0
    users = representative_users()
    assert len(users) >= 6, "the demo must have every kind of user"
    for user in users:
        client = Client()
        client.force_login(user)
        pages = crawl(client, language)
        crawled += len(pages)
        for url, text in pages.items():
            for word in foreign_text(without_data(text, data), language):
                try:
                    view = resolve(urlsplit(url).path).view_name
                except Resolver404:
                    view = url
                problems[word].add(f"{view} ({user.username})")
    assert crawled > 50
    report = [f"{word!r} on {', '.join(sorted(where)[:3])}" for word, where in sorted(problems.items())]
    assert report == [], f"{len(report)} pieces of {language} interface text are in the other language:\n" + "\n".join(report)


def test_the_check_catches_text_in_the_other_language():
    assert foreign_text("Score 92.86% 得分", "en") == ["得分"]
    assert foreign_text("得分 Score 92.86% Excel", "zh-hans") == ["Score"]
    assert foreign_text("营销 | 编号 sheet", "en") == []
    assert foreign_text("Not assessed (R6) · customer_relations", "en") == ["R6", "customer_relations"]
    assert foreign_text("不列入考核(R6)", "zh-hans") == ["R6"]
    assert without_data("项目 绿城桂语 检查", ["绿城桂语"]).split() == ["项目", "检查"]
    assert without_data("Grade A · Authenticator", ["A"]).split() == ["Grade", "·", "Authenticator"]
