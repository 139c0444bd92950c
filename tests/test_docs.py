"""The repository explains its own rules (docs/rules.md), the code cites only rules that exist there, the README's
layout matches the tree, and no code points at an issue tracker's numbers."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("core", "touchpoints", "notifications", "audits", "scoring", "rewards", "demo", "config", "bench")
NOT_YET: set[str] = set()  # files allowed to name an issue number for now: none


def rules_text() -> str:
    return (ROOT / "docs" / "rules.md").read_text(encoding="utf-8")


def code_files():
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            if "migrations" not in path.parts:
                yield path
    yield from sorted((ROOT / "tests").rglob("*.py"))


def test_rules_document_every_rule_and_section() -> None:
    text = rules_text()
    for number in range(1, 17):
        assert f"**R{number}**" in text, f"R{number} is not explained in docs/rules.md"
    for decision in ("R5a", "R5b"):
        assert f"**{decision} (decision)**" in text
    for section in range(1, 14):
        assert re.search(rf"^## §{section} ", text, re.M), f"§{section} has no heading"


def test_code_cites_only_rules_that_docs_explain() -> None:
    defined = set(re.findall(r"\*\*(R\d+[ab]?)\b", rules_text()))
    cited: dict[str, str] = {}
    for path in code_files():
        for match in re.finditer(r"\bR(\d{1,2})([ab]?)\b", path.read_text(encoding="utf-8")):
            cited.setdefault(f"R{match.group(1)}{match.group(2)}", str(path.relative_to(ROOT)))
    unknown = {rule: where for rule, where in cited.items() if rule not in defined}
    assert unknown == {}


def test_no_issue_numbers_in_code() -> None:
    found = [
        str(path.relative_to(ROOT))
        for path in code_files()
        if path.relative_to(ROOT).as_posix() not in NOT_YET
        and path.name != "test_docs.py"
        and re.search(r"\bissue\s*#?\d+|\(issue[:)]", path.read_text(encoding="utf-8"), re.I)
    ]
    assert found == []


def test_readme_layout_matches_the_tree_and_points_at_the_rules() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "docs/rules.md" in readme
    layout = readme.split("## Layout", 1)[1].split("```")[1]
    top = set(re.findall(r"^([a-z_]+)/", layout, re.M)) | set(re.findall(r"(?<=[\s])([a-z]+)/(?=\s|$)", layout))
    packages = {path.parent.name for path in ROOT.glob("*/__init__.py")}
    assert packages <= top, f"missing from the README layout: {packages - top}"
    for name in top:
        assert (ROOT / name).is_dir() or list(ROOT.glob(f"*/{name}")), f"the README layout names {name}/: not in the tree"
