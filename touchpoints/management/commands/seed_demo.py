from django.core.management.base import BaseCommand

from touchpoints.services import DEMO_PASSWORD, demo_seed


class Command(BaseCommand):
    help = "载入默认触点目录与演示组织(每个角色一个登录账号);重复运行不会重复创建。"

    def handle(self, *args, **options):
        logins = demo_seed()
        self.stdout.write(self.style.SUCCESS(f"演示数据已就绪。所有演示账号的密码:{DEMO_PASSWORD}"))
        width = max(len(login.username) for login in logins)
        for login in logins:
            self.stdout.write(f"  {login.username.ljust(width)}  {login.name}  {login.role}")
