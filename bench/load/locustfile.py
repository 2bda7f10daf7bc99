"""The mixed traffic of `make load` (bench/load/run.py): the people of a factory's after-sales team at work.

- customer service (half the users): the list, a feedback's page, the bell; registers feedback (form, CSRF) and
  logs contacts with customers (a lifecycle action);
- quality engineers: the list with filters, detail pages, the lifecycle panel, re-grading (a lifecycle action);
- departments and management: their workspace, the list, detail pages, the CAPA list.

Every answer is checked: anything but the expected status is an error."""

from __future__ import annotations

import random
import re

from locust import HttpUser, between, task

PASSWORD = "Demo@2026"
NUMBER = re.compile(r'href="/feedback/(PF\d+)/"')
TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


class Person(HttpUser):
    abstract = True
    wait_time = between(0.5, 2.0)
    usernames: tuple[str, ...] = ()

    def on_start(self) -> None:
        page = self.client.get("/login/", name="login page")
        self.client.post(
            "/login/",
            {
                "username": random.choice(self.usernames),
                "password": PASSWORD,
                "csrfmiddlewaretoken": self._token(page.text),
            },
            headers={"Referer": f"{self.host}/login/"},
            name="login",
        )
        self.numbers = self._numbers()

    @staticmethod
    def _token(html: str) -> str:
        found = TOKEN.search(html)
        return found.group(1) if found else ""

    def _numbers(self) -> list[str]:
        page = self.client.get("/feedback/", name="list")
        return NUMBER.findall(page.text) or []

    def _get(self, path: str, name: str) -> None:
        with self.client.get(path, name=name, catch_response=True) as response:
            if response.status_code != 200:
                response.failure(f"{response.status_code} {response.error!r}"[:200])

    def _post_form(self, path: str, data: dict, name: str, expect=(302,)) -> None:
        page = self.client.get(path, name=f"{name} (form)")
        with self.client.post(
            path,
            {**data, "csrfmiddlewaretoken": self._token(page.text)},
            headers={"Referer": f"{self.host}{path}"},
            name=name,
            allow_redirects=False,
            catch_response=True,
        ) as response:
            if response.status_code not in expect:
                response.failure(f"{response.status_code} {response.error!r}"[:200])

    @task(4)
    def feedback_list(self) -> None:
        self._get("/feedback/", "list")

    @task(4)
    def feedback_detail(self) -> None:
        if self.numbers:
            self._get(f"/feedback/{random.choice(self.numbers)}/", "detail")

    @task(3)
    def bell(self) -> None:
        self._get("/notifications/bell/", "bell")


class CustomerService(Person):
    weight = 5
    usernames = ("agent", "supervisor")

    @task(2)
    def register(self) -> None:
        page = self.client.get("/feedback/new/", name="registration (form)")
        model = re.search(
            r'<select name="product_model"[^>]*>\s*<option value=""[^>]*>[^<]*</option>\s*<option value="(\d+)"',
            page.text,
        )
        with self.client.post(
            "/feedback/new/",
            {
                "csrfmiddlewaretoken": self._token(page.text),
                "customer_name": f"压测客户{random.randint(1, 10**6)}",
                "contact_phone": f"139{random.randint(10**7, 10**8 - 1)}",
                "product_model": model.group(1) if model else "",
                "purchase_date": "2026-06-01",
                "channel": "hotline",
                "description": "空调制冷效果差，出风口温度偏高",
                "customer_requests": "repair",
                "action": "register",
            },
            headers={"Referer": f"{self.host}/feedback/new/"},
            name="registration",
            allow_redirects=False,
            catch_response=True,
        ) as response:
            if response.status_code != 302:
                response.failure(f"{response.status_code} {response.error!r}"[:200])
            else:
                self.numbers.append(response.headers["Location"].strip("/").split("/")[-1])

    @task(1)
    def log_contact(self) -> None:
        if self.numbers:
            number = random.choice(self.numbers)
            self._post_form(
                f"/feedback/{number}/contact-add/",
                {"method": "phone", "kind": "general", "content": "已电话联系客户，约定上门时间"},
                "lifecycle: contact",
            )


class Quality(Person):
    weight = 3
    usernames = ("quality", "quality_head")

    @task(2)
    def filtered_list(self) -> None:
        self._get("/feedback/?status=registered&status=verified", "list (filtered)")

    @task(2)
    def panel(self) -> None:
        if self.numbers:
            self._get(f"/feedback/{random.choice(self.numbers)}/lifecycle/", "lifecycle panel")


class DepartmentAndManagement(Person):
    weight = 2
    usernames = ("rd_member", "rd_head", "manager")

    @task(2)
    def workspace(self) -> None:
        self._get("/", "workspace")

    @task(1)
    def capa_list(self) -> None:
        self._get("/capa/", "capa list")
