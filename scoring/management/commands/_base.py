"""Shared parsing of the scoring commands: a bad quarter, year or user is a clear error and a non-zero exit."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from core.dates import Quarter


class ScoringCommand(BaseCommand):
    def quarter(self, text: str) -> Quarter:
        try:
            return Quarter.parse(text)
        except ValueError as exc:
            raise CommandError(str(exc)) from exc

    def year(self, text: str) -> int:
        value = (text or "").strip()
        if not (value.isdigit() and len(value) == 4):
            raise CommandError(f'年份格式应为 2026,收到 "{text}"')
        return int(value)

    def user(self, username: str | None):
        """The user recorded as publisher (`--user`); none from the command line by default."""
        if not username:
            return None
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"找不到用户:{username}")
        return user
