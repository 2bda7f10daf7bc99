"""Demo data for `make run`: departments, one user per role, a home-appliance catalogue and a few dozen
registered feedbacks over the last months. Idempotent: run it again and it only resets the demo passwords."""

import datetime as dt
import random
import unicodedata

from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from accounts.models import Department, User
from accounts.roles import Role
from catalog.models import FaultPhenomenon, ProductLine, ProductModel
from feedback.models import Channel, CustomerRequest, Feedback
from feedback.services import feedback_register
from quality_loop.demo import DemoLoop

DEMO_PASSWORD = "Demo@2026"

DEPARTMENTS = [
    ("rd", "研发部"),
    ("production", "生产部"),
    ("supply", "供应链部"),
    ("service", "售后服务部"),
    ("quality", "质量部"),
    ("cs", "客服部"),
]

# username, name, role, department code
USERS = [
    ("agent", "王芳", Role.CS_AGENT, "cs"),
    ("supervisor", "刘洋", Role.CS_SUPERVISOR, "cs"),
    ("quality", "李工", Role.QUALITY_ENGINEER, "quality"),
    ("rd_member", "赵工", Role.DEPT_MEMBER, "rd"),
    ("rd_head", "孙经理", Role.DEPT_HEAD, "rd"),
    ("prod_member", "钱经理", Role.DEPT_MEMBER, "production"),
    ("prod_head", "吴厂长", Role.DEPT_HEAD, "production"),
    ("quality_head", "郑部长", Role.DEPT_HEAD, "quality"),
    ("manager", "周总", Role.MANAGEMENT, None),
    ("admin", "系统管理员", Role.ADMINISTRATOR, None),
]

CATALOGUE = {
    ("aircon", "空调"): [("KFR-35GW/BP3", "智能变频空调"), ("KFR-72LW/A1", "立柜式空调")],
    ("fridge", "冰箱"): [("BCD-456WPD", "对开门冰箱"), ("BCD-218TX", "三门冰箱")],
    ("washer", "洗衣机"): [("XQG100-B14", "滚筒洗衣机"), ("XQB80-36", "波轮洗衣机")],
    ("heater", "热水器"): [("JSQ30-16T", "燃气热水器"), ("F60-21A", "电热水器")],
    ("tv", "电视"): [("65A8U", "65英寸液晶电视")],
}
FAULTS = {
    "aircon": ["不制冷", "制冷效果差", "噪音大", "室内机漏水", "遥控失灵"],
    "fridge": ["不制冷", "异响", "冷藏室结霜"],
    "washer": ["不脱水", "漏水", "运行时震动大"],
    "heater": ["不点火", "漏电", "水温不稳定"],
    "tv": ["黑屏", "花屏"],
    None: ["无法开机", "外壳划痕", "螺丝松动", "维修周期过长", "客服响应慢"],
}
STORIES = [
    "空调使用1个月后，制冷效果明显下降，出风口温度18℃（设定16℃），噪音比初期增大。",
    "冰箱冷藏室后壁结霜严重，食物冻坏，已断电除霜两次仍然出现。",
    "洗衣机脱水时整机剧烈晃动并伴有撞击声，已按说明书调平仍无改善。",
    "热水器洗澡时水温忽冷忽热，冬天无法正常使用。",
    "电视开机十几秒后黑屏，有声音没有图像。",
    "收到的产品外壳有明显划痕，要求换货。",
    "洗衣机进水后不启动，面板显示E21故障码。",
    "使用电热水器时手碰到出水口有麻电感，担心安全。",
    "空调室内机滴水，把墙面和地板都弄湿了。",
    "遥控器按键无反应，更换电池后依旧。",
]
SURNAMES = "张王李赵刘陈杨黄周吴徐孙马朱胡郭何林罗高"
GIVEN = ["先生", "女士"]


def _pad(text: str, width: int) -> str:
    """Pad to a terminal width: Chinese characters take two columns."""
    used = sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)
    return text + " " * max(1, width - used)


class Command(BaseCommand):
    help = "Create the demo departments, users, catalogue and feedback (idempotent)."

    def handle(self, *args, **options) -> None:
        with transaction.atomic():
            departments = self._departments()
            users = self._users(departments)
            models = self._catalogue()
        if not Feedback.objects.exists():
            created = self._feedbacks(users, models)
            self.stdout.write(f"Created {created} demo feedbacks.")
            moved = DemoLoop(users).run()
            self.stdout.write(
                f"Carried {moved} of them through verification, CAPA and callback as far as their age allows."
            )
        else:
            self.stdout.write("Demo feedback already present; left as is.")
        self._print_accounts()

    def _departments(self) -> dict[str, Department]:
        return {
            code: Department.objects.get_or_create(code=code, defaults={"name": name})[0]
            for code, name in DEPARTMENTS
        }

    def _users(self, departments: dict[str, Department]) -> dict[str, User]:
        users = {}
        for username, name, role, dept in USERS:
            user, _created = User.objects.get_or_create(username=username, defaults={"name": name})
            user.name = name
            user.email = f"{username}@demo.example.com"
            user.department = departments.get(dept)
            user.is_staff = role == Role.ADMINISTRATOR
            user.is_active = True
            user.set_password(DEMO_PASSWORD)
            user.save()
            user.groups.set([Group.objects.get(name=role)])
            users[username] = user
        return users

    def _catalogue(self) -> list[ProductModel]:
        models = []
        lines = {}
        for (code, line_name), items in CATALOGUE.items():
            line, _created = ProductLine.objects.get_or_create(code=code, defaults={"name": line_name})
            lines[code] = line
            for model_code, model_name in items:
                models.append(
                    ProductModel.objects.get_or_create(
                        code=model_code, defaults={"line": line, "name": model_name}
                    )[0]
                )
        for line_code, names in FAULTS.items():
            for name in names:
                FaultPhenomenon.objects.get_or_create(line=lines.get(line_code), name=name)
        return models

    def _feedbacks(self, users: dict[str, User], models: list[ProductModel]) -> int:
        rnd = random.Random(2026)
        now = timezone.now()
        agents = [users["agent"], users["supervisor"]]
        count = 0
        for i in range(36):
            # Most of them spread over four months, ten from the last week (still in the loop).
            if i < 26:
                received = timezone.localtime(now - dt.timedelta(days=rnd.randint(8, 120)))
                received = received.replace(hour=rnd.randint(8, 20), minute=rnd.choice((0, 10, 25, 30, 45)))
            else:
                received = timezone.localtime(now - dt.timedelta(hours=rnd.randint(3, 7 * 24)))
            model = rnd.choice(models)
            late = i % 9 == 4
            registered = received + (
                dt.timedelta(days=rnd.randint(2, 4)) if late else dt.timedelta(minutes=rnd.randint(5, 240))
            )
            registered = min(registered, now)
            phone = f"1{rnd.choice('3578')}{rnd.randint(0, 9)}{rnd.randint(10000000, 99999999)}"
            data = {
                "customer_name": rnd.choice(SURNAMES) + rnd.choice(GIVEN),
                "contact_phone": phone,
                "product_model": model,
                "serial_number": f"SN{received:%y%m}{rnd.randint(100000, 999999)}",
                "purchase_date": (received - dt.timedelta(days=rnd.randint(20, 400))).date(),
                "feedback_time": received,
                "channel": rnd.choice(Channel.values),
                "description": rnd.choice(STORIES),
                "customer_requests": rnd.sample(
                    [
                        CustomerRequest.REPAIR,
                        CustomerRequest.EXCHANGE,
                        CustomerRequest.COMPENSATION,
                        CustomerRequest.SUGGESTION,
                        CustomerRequest.RETURN,
                    ],
                    k=rnd.randint(1, 2),
                ),
            }
            with transaction.atomic():
                feedback_register(actor=rnd.choice(agents), data=data, complete=True, at=registered)
            count += 1
        # Two drafts still being completed (one of them past its registration deadline).
        for hours_ago, name in ((3, "陈女士"), (60, "马先生")):
            with transaction.atomic():
                feedback_register(
                    actor=users["agent"],
                    data={
                        "customer_name": name,
                        "feedback_time": now - dt.timedelta(hours=hours_ago),
                        "description": "客户来电，尚未提供产品型号和购买日期，稍后回电补充。",
                    },
                    complete=False,
                    at=now - dt.timedelta(hours=hours_ago) + dt.timedelta(minutes=10),
                )
            count += 1
        return count

    def _print_accounts(self) -> None:
        self.stdout.write("")
        self.stdout.write("Demo accounts (演示账号) — password for all: " + DEMO_PASSWORD)
        self.stdout.write(f"  {'username':<14}{_pad('role', 34)}name / department")
        for username, name, role, dept in USERS:
            dept_name = dict(DEPARTMENTS).get(dept, "")
            label = f"{Role(role).label} ({role})"
            self.stdout.write(f"  {username:<14}{_pad(label, 34)}{name} {dept_name}".rstrip())
        self.stdout.write("")
