"""Template hygiene: a Django comment `{# … #}` spans one line only; a longer one is shown to users as text."""

from pathlib import Path

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"


def test_no_django_template_has_a_multiline_hash_comment():
    offenders = [
        f"{path.relative_to(TEMPLATES)}:{number}"
        for path in TEMPLATES.rglob("*.html")
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
        if line.count("{#") > line.count("#}")
    ]
    assert offenders == [], "use {% comment %} for comments over several lines"
