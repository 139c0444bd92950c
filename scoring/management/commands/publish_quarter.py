from scoring.services import PublicationRefused, quarter_publish

from ._base import CommandError, ScoringCommand


class Command(ScoringCommand):
    help = "发布季度考核结果:季度结束后才能发布;有未定稿检查的单元格须加 --confirm-missing 确认。"

    def add_arguments(self, parser):
        parser.add_argument("quarter", help="季度,如 2026Q1")
        parser.add_argument("--confirm-missing", action="store_true", help="确认把没有定稿检查的单元格按未检查发布")
        parser.add_argument("--user", help="记录为发布人的登录名(可选)")

    def handle(self, *args, quarter: str, confirm_missing: bool, user: str | None, **options):
        period = self.quarter(quarter)
        try:
            result = quarter_publish(quarter=period, user=self.user(user), confirm_missing=confirm_missing)
        except PublicationRefused as exc:
            raise CommandError(f"发布被拒绝,未做任何更改:{exc}") from exc
        units = list(result.units.all())
        money = [u for u in units if u.amount]
        self.stdout.write(
            self.style.SUCCESS(
                f"{period} 第 {result.version} 版已发布:{len(units)} 个考核单元,奖惩 {len(money)} 项;摘要 {result.digest}"
            )
        )
        if result.confirmed_missing:
            cells = "、".join(f"{c['project']}/{c['function']}" for c in result.confirmed_missing)
            self.stdout.write(f"按未检查计入的单元格:{cells}")
