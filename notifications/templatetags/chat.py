"""`{% webhook_list webhooks %}` and `{% chat_log chat %}`: the group-robot page's lists, rendered by Jinja2
(notifications.fragments) because they are its hot loops."""

from django import template

from notifications import fragments

register = template.Library()


@register.simple_tag(takes_context=True)
def webhook_list(context, webhooks):
    return fragments.webhook_list(webhooks=webhooks, request=context["request"])


@register.simple_tag
def chat_log(chat):
    return fragments.chat_log(chat=chat)
