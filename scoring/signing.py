"""Keyed digests of published snapshots (SPEC §7): HMAC-SHA256 under `RESULTS_SIGNING_KEY`, with a key id.

A plain SHA-256 of the snapshot can be recomputed by anyone who can write to the database; an HMAC needs the key,
which lives in the environment, not in the database. Each version stores the id of the key that signed it
(`QuarterResult.digest_key`), so keys rotate: the new key goes in `RESULTS_SIGNING_KEY`, the old one in
`RESULTS_SIGNING_KEYS_OLD` (still accepted for verification), and `resign_results` re-signs every version under the new
key after checking it under its old one. A key id is derived from the key itself (a fingerprint, not the key), so
nothing else has to be configured.

    sign(data) -> Signature(key_id, digest)
    check(data, *, digest, key_id) -> str | None      # None when the digest is right; otherwise what is wrong
    plain_digest(data) -> str                          # the former, unkeyed SHA-256 (resign_results only)

Versions published before keys (`digest_key` empty) hold a plain SHA-256: `check` never accepts it, `resign_results`
re-signs them once it has checked the plain digest (docs/results-signing.md).
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext as _

from .snapshot import canonical_json

LEGACY_KEY_ID = ""  # what a version signed before keys stores: its digest is a plain SHA-256
KEY_ID_LENGTH = 12


@dataclass(frozen=True)
class Signature:
    key_id: str
    digest: str


def _key_bytes(key: str) -> bytes:
    if not key:
        raise ImproperlyConfigured("RESULTS_SIGNING_KEY is empty")
    return key.encode("utf-8")


def key_id_of(key: str) -> str:
    """A short public fingerprint of a key (never the key): which key signed a version."""
    return hashlib.sha256(b"touchpoint-results-key-id\0" + _key_bytes(key)).hexdigest()[:KEY_ID_LENGTH]


def signing_keys() -> dict[str, bytes]:
    """Every key accepted for verification by id: the current key first, then `RESULTS_SIGNING_KEYS_OLD`."""
    keys = {key_id_of(settings.RESULTS_SIGNING_KEY): _key_bytes(settings.RESULTS_SIGNING_KEY)}
    for old in getattr(settings, "RESULTS_SIGNING_KEYS_OLD", []):
        keys.setdefault(key_id_of(old), _key_bytes(old))
    return keys


def current_key_id() -> str:
    return key_id_of(settings.RESULTS_SIGNING_KEY)


def _hmac(key: bytes, data: Mapping[str, Any]) -> str:
    return hmac.new(key, canonical_json(data), hashlib.sha256).hexdigest()


def sign(data: Mapping[str, Any]) -> Signature:
    """The HMAC-SHA256 (hex) of the snapshot's canonical JSON under the current key, with that key's id."""
    return Signature(current_key_id(), _hmac(_key_bytes(settings.RESULTS_SIGNING_KEY), data))


def plain_digest(data: Mapping[str, Any]) -> str:
    """The unkeyed SHA-256 that versions published before keys store (checked by resign_results only)."""
    return hashlib.sha256(canonical_json(data)).hexdigest()


def check(data: Mapping[str, Any], *, digest: str, key_id: str) -> str | None:
    """None when `digest` is the HMAC of the snapshot under the key `key_id`; otherwise the problem, in words.

    Raises TypeError when the snapshot cannot be serialised canonically (a float, a non-string key).
    """
    if key_id == LEGACY_KEY_ID:
        return _("摘要未签名(旧的 SHA-256 摘要,任何能写数据库的人都能重算);请运行 resign_results 重新签名")
    key = signing_keys().get(key_id)
    if key is None:
        return _("签名密钥 {key_id} 未配置(不在 RESULTS_SIGNING_KEY 或 RESULTS_SIGNING_KEYS_OLD 中)").format(key_id=key_id)
    expected = _hmac(key, data)
    if not hmac.compare_digest(expected, digest or ""):
        # The recomputed HMAC is never shown: it would be a valid signature of whatever the database now holds.
        return _("摘要不符:记录的摘要 {stored} 不是快照在密钥 {key_id} 下的签名").format(stored=digest, key_id=key_id)
    return None
