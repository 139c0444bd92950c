from django.core.management.base import BaseCommand
from django.test.utils import override_settings
from django.utils.translation import gettext as _

from demo.activity import demo_activity_seed
from demo.org import DEMO_PASSWORD, demo_seed

# Seeding publishes quarters, which notifies everyone assessed; those e-mails stay in memory (the notifications are
# still recorded and readable in the app) instead of flooding the console before the logins.
QUIET_MAIL = "django.core.mail.backends.locmem.EmailBackend"


class Command(BaseCommand):
    help = "载入默认触点目录、演示组织(每个角色一个登录账号)与演示业务数据;重复运行不会重复创建。"

    def handle(self, *args, **options):
        def say(line: str) -> None:
            self.stdout.write(f"· {line}")
            self.stdout.flush()

        say(_("触点目录与演示组织……"))
        with override_settings(EMAIL_BACKEND=QUIET_MAIL):
            logins = demo_seed()
            activity = demo_activity_seed(progress=say)
        if activity:
            self.stdout.write(
                _("演示业务数据:{selfchecks} 份月度自检,{inspections} 份季度检查,已发布 {quarters}。").format(
                    selfchecks=activity["selfchecks"],
                    inspections=activity["inspections"],
                    quarters="、".join(activity["quarters"]),
                )
            )
        else:
            self.stdout.write(_("演示业务数据已存在,未重复创建。"))
        self.stdout.write(self.style.SUCCESS(_("演示数据已就绪。演示账号(密码均为 {password}):").format(password=DEMO_PASSWORD)))
        width = max(len(login.username) for login in logins)
        for login in logins:
            self.stdout.write(f"  {login.username.ljust(width)}  {login.name}  {login.role}")
