"""The trends page's hand-written markup (scoring.templatetags.trends): its shortcuts give what markupsafe and urllib
give, to the byte."""

from urllib.parse import quote

from hypothesis import given
from hypothesis import strategies as st
from markupsafe import escape

from scoring.templatetags.trends import _escape, _path_part

TRICKY = st.text(alphabet=st.sampled_from("aZ09_.~-/%&<>\"' ·东原?#+=\n"), max_size=12) | st.text(max_size=12)


@given(TRICKY)
def test_escape_is_markupsafe_escape(text: str) -> None:
    assert _escape(text) == str(escape(text))


@given(TRICKY)
def test_path_part_is_quote_with_nothing_safe(text: str) -> None:
    assert _path_part(text) == quote(text, safe="")
