"""The container image (Dockerfile, .dockerignore, docker-compose.yml) read as text: no Docker engine needed.

The build context must leave out local environments, history, databases and users' uploaded deliverables; static
files are collected at build time; the image runs as a non-root user and starts gunicorn by itself.
"""

from __future__ import annotations

import fnmatch
import os
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
NEVER_IN_IMAGE = (".venv", ".git", "db.sqlite3", "private", "var", "staticfiles", "__pycache__", "node_modules")


def ignore_patterns() -> list[str]:
    lines = (ROOT / ".dockerignore").read_text(encoding="utf-8").splitlines()
    return [line.strip().rstrip("/") for line in lines if line.strip() and not line.lstrip().startswith("#")]


def ignored(relative: str, patterns: list[str]) -> bool:
    """Docker's rule, enough for these patterns: a pattern matches the path or one of its parent directories; `**/`
    matches any depth."""
    parts = relative.split("/")
    prefixes = ["/".join(parts[: i + 1]) for i in range(len(parts))]
    for pattern in patterns:
        bare = pattern[3:] if pattern.startswith("**/") else None
        for prefix in prefixes:
            if fnmatch.fnmatchcase(prefix, pattern):
                return True
            if bare is not None and fnmatch.fnmatchcase(prefix.rsplit("/", 1)[-1], bare):
                return True
    return False


def dockerfile_instructions() -> list[tuple[str, str]]:
    text = (ROOT / "Dockerfile").read_text(encoding="utf-8").replace("\\\n", " ")
    rows = []
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            keyword, _sep, rest = line.partition(" ")
            rows.append((keyword.upper(), rest.strip()))
    return rows


def test_dockerignore_names_everything_that_must_stay_out() -> None:
    patterns = ignore_patterns()
    for name in NEVER_IN_IMAGE:
        assert ignored(name, patterns), f"{name} would be copied into the image"
    for path in ("project.sqlite3", "private/deliverables/2026/a.pdf", "audits/__pycache__/models.cpython-311.pyc"):
        assert ignored(path, patterns), path
    for path in ("manage.py", "core/access.py", "static/css/app.css", "requirements.txt", "fixtures/catalogue.json"):
        assert not ignored(path, patterns), f"{path} is needed in the image"


def test_the_build_context_of_this_checkout_has_no_environment_database_or_uploads() -> None:
    """Walk the checkout as `docker build` would send it, with a planted database and upload."""
    patterns = ignore_patterns()
    planted = [ROOT / "private" / "_probe.pdf", ROOT / "_probe.sqlite3"]
    made_private = not (ROOT / "private").exists()
    (ROOT / "private").mkdir(exist_ok=True)
    for path in planted:
        path.write_bytes(b"x")
    try:
        sent = []
        for directory, dirnames, filenames in os.walk(ROOT):
            here = Path(directory).relative_to(ROOT).as_posix()
            base = "" if here == "." else f"{here}/"
            dirnames[:] = [d for d in dirnames if not ignored(base + d, patterns)]
            sent.extend(base + f for f in filenames if not ignored(base + f, patterns))
    finally:
        for path in planted:
            path.unlink()
        if made_private:
            (ROOT / "private").rmdir()
    assert "manage.py" in sent and "core/access.py" in sent
    leaked = [p for p in sent if p.split("/")[0] in NEVER_IN_IMAGE or p.endswith(".sqlite3") or "__pycache__" in p]
    assert leaked == []


def test_dockerfile_collects_static_at_build_runs_as_non_root_and_starts_gunicorn() -> None:
    rows = dockerfile_instructions()
    keywords = [keyword for keyword, _ in rows]
    runs = [rest for keyword, rest in rows if keyword == "RUN"]
    assert any("collectstatic --noinput" in run for run in runs)
    copy_all = keywords.index("COPY", keywords.index("COPY") + 1)  # COPY requirements first, then COPY . .
    collect = next(i for i, (k, rest) in enumerate(rows) if k == "RUN" and "collectstatic" in rest)
    assert collect > copy_all
    users = [rest for keyword, rest in rows if keyword == "USER"]
    assert users and users[-1] not in ("root", "0")
    assert keywords.index("USER") > collect  # everything after the build steps runs as that user
    cmd = [rest for keyword, rest in rows if keyword == "CMD"]
    assert cmd and "gunicorn" in cmd[-1] and "config.wsgi:application" in cmd[-1]


def test_compose_uses_the_image_as_built() -> None:
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text(encoding="utf-8"))
    services = compose["services"]
    for name in ("web", "worker", "beat"):
        assert services[name]["build"] == "."
        assert "collectstatic" not in str(services[name].get("command", ""))
    assert "gunicorn config.wsgi:application" in services["web"]["command"]
    assert compose["x-app"]["environment"]["STATIC_ROOT"] == "/app/staticfiles"
