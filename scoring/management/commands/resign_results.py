from scoring.resign import ResignRefused, results_resign

from ._base import CommandError, ScoringCommand


class Command(ScoringCommand):
    help = (
        "用 RESULTS_SIGNING_KEY 重新签名已发布版本(SPEC §7):旧的 SHA-256 摘要或旧密钥的签名先逐一核对,"
        "任何一版不符则不做任何更改并非零退出。用于从未签名摘要迁移和更换密钥。"
    )

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="只核对并列出需要重新签名的版本,不写入")

    def handle(self, *args, dry_run: bool, **options):
        try:
            versions = results_resign(dry_run=dry_run)
        except ResignRefused as exc:
            lines = [f"重新签名被拒绝,未做任何更改:{len(exc.problems)} 处不符:"] + [f"  - {p}" for p in exc.problems]
            raise CommandError("\n".join(lines)) from exc
        if not versions:
            self.stdout.write(self.style.SUCCESS("所有已发布版本都已由当前密钥签名,无需重新签名"))
            return
        verb = "需要重新签名" if dry_run else "已重新签名"
        self.stdout.write(self.style.SUCCESS(f"{verb} {len(versions)} 个版本:{'、'.join(versions)}"))
