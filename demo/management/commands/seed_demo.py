from django.core.management.base import BaseCommand

from demo.activity import demo_activity_seed
from demo.org import DEMO_PASSWORD, demo_seed


class Command(BaseCommand):
    help = "载入默认触点目录、演示组织(每个角色一个登录账号)与演示业务数据;重复运行不会重复创建。"

    def handle(self, *args, **options):
        logins = demo_seed()
        activity = demo_activity_seed()
        if activity:
            self.stdout.write(
                f"演示业务数据:{activity['selfchecks']} 份月度自检,{activity['inspections']} 份季度检查,已发布上季度结果。"
            )
        self.stdout.write(self.style.SUCCESS(f"演示数据已就绪。所有演示账号的密码:{DEMO_PASSWORD}"))
        width = max(len(login.username) for login in logins)
        for login in logins:
            self.stdout.write(f"  {login.username.ljust(width)}  {login.name}  {login.role}")
