from scoring.models import QuarterResult
from scoring.services import results_verify

from ._base import CommandError, ScoringCommand


class Command(ScoringCommand):
    help = "校验所有已发布版本:重新计算快照摘要,核对单元结果行与快照、快照与计算规则;有任何不符则非零退出。"

    def handle(self, *args, **options):
        mismatches = results_verify()
        if mismatches:
            lines = [f"发现 {len(mismatches)} 处不符:"] + [f"  - {m}" for m in mismatches]
            raise CommandError("\n".join(lines))
        count = QuarterResult.objects.count()
        self.stdout.write(self.style.SUCCESS(f"已校验 {count} 个已发布版本,全部一致"))
