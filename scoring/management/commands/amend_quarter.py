from scoring.services import PublicationRefused, quarter_amend

from ._base import CommandError, ScoringCommand


class Command(ScoringCommand):
    help = "修订已发布的季度结果:按当前检查结果、等级档和奖惩政策生成新版本;原台账冲销后重新记账。"

    def add_arguments(self, parser):
        parser.add_argument("quarter", help="季度,如 2026Q1")
        parser.add_argument("--reason", required=True, help="修订原因(必填)")
        parser.add_argument("--user", help="记录为修订人的登录名(可选)")

    def handle(self, *args, quarter: str, reason: str, user: str | None, **options):
        period = self.quarter(quarter)
        try:
            result = quarter_amend(quarter=period, user=self.user(user), reason=reason)
        except PublicationRefused as exc:
            raise CommandError(f"修订被拒绝,未做任何更改:{exc}") from exc
        self.stdout.write(
            self.style.SUCCESS(
                f"{period} 已修订为第 {result.version} 版(替代第 {result.supersedes.version} 版);摘要 {result.digest}"
            )
        )
