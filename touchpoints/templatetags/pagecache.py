"""Cached template fragments (touchpoints.pagecache).

`{% pagecache "name" vary… %}…{% endpagecache %}`: until the data changes. The key always holds the generations, the
user, the language, the date, the path and the release, so a template only says *what* it shows.

`{% memo "name" vary… %}…{% endmemo %}`: by content. The key is the values given (plus release and language) and
nothing else, so the fragment must show nothing else; such fragments never go stale and live in each process's memory.

Either way, CSRF tokens in a cached fragment are replaced by fresh ones on every view.
"""

from django import template
from django.conf import settings
from django.core.cache import caches
from django.utils.safestring import mark_safe

from touchpoints import pagecache

register = template.Library()


class PageCacheNode(template.Node):
    def __init__(
        self, nodelist: template.NodeList, name: str, vary_on: list[template.base.FilterExpression], *, content: bool = False
    ) -> None:
        self.nodelist = nodelist
        self.name = name
        self.vary_on = vary_on
        self.content = content

    def render(self, context: template.Context) -> str:
        request = context.get("request")
        make_key = pagecache.content_key if self.content else pagecache.fragment_key
        key = make_key(request, self.name, [expression.resolve(context) for expression in self.vary_on])
        if key is None:
            return self.nodelist.render(context)
        store = caches["memo" if self.content else "default"]
        cached = store.get(key)
        if cached is None:
            html = str(self.nodelist.render(context))
            stored = pagecache.store_csrf(html, getattr(request, "pagecache_csrf_tokens", []))
            store.set(key, stored, settings.PAGE_CACHE_SECONDS)
        else:
            html = pagecache.restore_csrf(cached, request)
        # Both were rendered by this very template, which escaped everything it inserted.
        return mark_safe(html)  # nosec B308 B703


def _parse(parser: template.base.Parser, token: template.base.Token, end: str, *, content: bool) -> PageCacheNode:
    bits = token.split_contents()
    if len(bits) < 2:
        raise template.TemplateSyntaxError(f"{{% {bits[0]} %}} needs a fragment name")
    nodelist = parser.parse((end,))
    parser.delete_first_token()
    return PageCacheNode(nodelist, bits[1].strip("\"'"), [parser.compile_filter(bit) for bit in bits[2:]], content=content)


@register.tag("pagecache")
def do_pagecache(parser: template.base.Parser, token: template.base.Token) -> PageCacheNode:
    """Until the data changes: keyed by the generation, user, language, date and path (and the values given)."""
    return _parse(parser, token, "endpagecache", content=False)


@register.tag("memo")
def do_memo(parser: template.base.Parser, token: template.base.Token) -> PageCacheNode:
    """By content: keyed by the values given alone (and the release and language), so the fragment must show nothing
    else — e.g. {% memo "item" item.fingerprint editable %} where the fingerprint hashes everything the card shows."""
    return _parse(parser, token, "endmemo", content=True)
