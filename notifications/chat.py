"""Posting markdown to WeCom and DingTalk group robots (SPEC §15).

The HTTP client is the standard library's urllib: one JSON POST with a timeout is all a robot needs, and it adds no
dependency to pin. The base URLs come from settings (WECOM_WEBHOOK_URL, DINGTALK_WEBHOOK_URL) so tests point them at a
local server; the DingTalk signature is computed as its documentation says: HMAC-SHA256 of "timestamp\\nsecret" keyed
with the secret, base64, URL-encoded, sent as the ``timestamp`` and ``sign`` query parameters.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
import urllib.error
import urllib.request
from urllib.parse import quote_plus, urlencode

from django.conf import settings

from .choices import ChatProvider


class ChatError(Exception):
    """A robot refused or did not answer; the message says why (it goes to the sent log)."""


def dingtalk_sign(secret: str, timestamp_ms: int) -> str:
    """DingTalk's signature of a request at ``timestamp_ms``: base64(HMAC-SHA256(secret, "timestamp\\nsecret")), URL-encoded."""
    digest = hmac.new(secret.encode(), f"{timestamp_ms}\n{secret}".encode(), hashlib.sha256).digest()
    return quote_plus(base64.b64encode(digest).decode())


def robot_url(webhook, *, timestamp_ms: int | None = None) -> str:
    """The URL to POST to: WeCom's key in the URL; DingTalk's token, timestamp and signature."""
    if webhook.provider == ChatProvider.WECOM:
        return f"{settings.WECOM_WEBHOOK_URL}?{urlencode({'key': webhook.token})}"
    timestamp_ms = timestamp_ms if timestamp_ms is not None else int(time.time() * 1000)
    query = urlencode({"access_token": webhook.token, "timestamp": timestamp_ms})
    # The signature is already URL-encoded (as DingTalk's own examples send it), so it is appended as is.
    return f"{settings.DINGTALK_WEBHOOK_URL}?{query}&sign={dingtalk_sign(webhook.secret, timestamp_ms)}"


def robot_payload(webhook, *, title: str, text: str) -> dict:
    if webhook.provider == ChatProvider.WECOM:
        return {"msgtype": "markdown", "markdown": {"content": text}}
    return {"msgtype": "markdown", "markdown": {"title": title, "text": text}}


def robot_post(webhook, *, title: str, text: str) -> None:
    """Post one markdown message; raise ChatError with the reason if the robot does not accept it."""
    body = json.dumps(robot_payload(webhook, title=title, text=text), ensure_ascii=False).encode()
    url = robot_url(webhook)
    if not url.startswith(("https://", "http://")):  # the base URLs come from settings; never file: or custom schemes
        raise ChatError(f"unsupported URL scheme: {url.split(':', 1)[0]}")
    request = urllib.request.Request(url, data=body, method="POST", headers={"Content-Type": "application/json; charset=utf-8"})
    try:
        with urllib.request.urlopen(request, timeout=settings.CHAT_TIMEOUT_SECONDS) as response:  # nosec B310: scheme checked
            raw = response.read(64 * 1024)
    except urllib.error.HTTPError as exc:
        raise ChatError(f"HTTP {exc.code}") from exc
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        raise ChatError(str(getattr(exc, "reason", exc)) or exc.__class__.__name__) from exc
    try:
        answer = json.loads(raw or b"{}")
    except ValueError as exc:
        raise ChatError("invalid JSON answer") from exc
    # Both robots answer HTTP 200 with {"errcode": 0, "errmsg": "ok"}; anything else is a refusal.
    if answer.get("errcode", 0) != 0:
        raise ChatError(f"errcode {answer.get('errcode')}: {answer.get('errmsg', '')}"[:500])
