"""python manage.py reopen_selfcheck GG marketing 2026-11 --reason "…" --user E0001 — operations send a checklist back."""

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from audits.models import SelfCheck
from audits.selfchecks.services import selfcheck_reopen
from core import dates


class Command(BaseCommand):
    help = "退回已提交的月度自检表(运营管理部),并通知职能经理"

    def add_arguments(self, parser):
        parser.add_argument("project", help="项目编号")
        parser.add_argument("function", help="职能代码,如 marketing")
        parser.add_argument("month", help="月份,格式 2026-11")
        parser.add_argument("--reason", required=True, help="退回原因")
        parser.add_argument("--user", required=True, help="执行退回的运营管理部账号(用户名)")

    def handle(self, *args, **options):
        try:
            year, month = dates.parse_month(options["month"])
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        selfcheck = SelfCheck.objects.filter(
            project__code=options["project"], function=options["function"], year=year, month=month
        ).first()
        if selfcheck is None:
            raise CommandError(f"找不到自检表:{options['project']} {options['function']} {options['month']}")
        user = get_user_model().objects.filter(username=options["user"]).first()
        if user is None:
            raise CommandError(f"找不到账号:{options['user']}")
        try:
            selfcheck_reopen(selfcheck=selfcheck, user=user, reason=options["reason"])
        except ValidationError as exc:
            raise CommandError(exc.messages[0]) from exc
        self.stdout.write(f"已退回:{selfcheck}")
