"""Runs the declarations of tests/permissions/routes against the app: every route of the URL conf (walked from
the root resolver) and every operation of the API schema, as every identity, in every scenario."""

from __future__ import annotations

import base64
import json
import re
from dataclasses import dataclass

from django.conf import settings
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from tests.factories import PASSWORD

from . import rules
from .world import ANONYMOUS, SCENARIOS, WHO, World

PARAM = re.compile(r"<(?:\w+:)?(\w+)>")
NO_SCENARIO = "-"


@dataclass(frozen=True)
class UrlRoute:
    key: str  # the namespaced URL name, or the pattern of an unnamed route
    pattern: str
    params: tuple[str, ...]


def url_routes() -> list[UrlRoute]:
    """Every route of the URL conf, with its full pattern."""
    found: list[UrlRoute] = []

    def walk(resolver: URLResolver, prefix: str, namespace: str | None) -> None:
        for entry in resolver.url_patterns:
            if isinstance(entry, URLResolver):
                ns = namespace
                if entry.namespace:
                    ns = f"{namespace}:{entry.namespace}" if namespace else entry.namespace
                walk(entry, prefix + str(entry.pattern), ns)
            elif isinstance(entry, URLPattern):
                pattern = prefix + str(entry.pattern)
                key = f"{namespace}:{entry.name}" if namespace and entry.name else (entry.name or pattern)
                found.append(UrlRoute(key, pattern, tuple(PARAM.findall(pattern))))

    walk(get_resolver(), "", None)
    return found


def api_operations() -> list[tuple[str, str]]:
    """(path, method) of every operation of the published schema."""
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)
    return [
        (path, method) for path, item in schema["paths"].items() for method in item if method != "parameters"
    ]


# --- URLs -------------------------------------------------------------------------------------------------------
def _kwargs(obj, params: tuple[str, ...], app: str, world: World, who: str, scenario: str) -> dict | None:
    if callable(obj):
        return obj(world, who, scenario)
    if obj == "none":
        return {}
    if obj == "year":
        return {"year": 2026}
    if obj == "notification":
        return {"pk": world.notification(who, scenario).pk}
    case = world.cases[scenario]
    values = {"feedback_number": case.feedback.number, "attachment_id": case.attachment.pk}
    if obj == "capa":
        if case.capa is None:
            return None
        values.update(number=case.capa.number, measure_id=case.measure.pk, file_id=case.capa_attachment.pk)
    else:
        values["number"] = case.feedback.number
    return {name: values[name] for name in params}


def scenarios_of(obj, declared: tuple[str, ...] | None = None) -> list[str]:
    if declared is not None:
        return list(declared)
    if obj == "notification":
        return ["own", "other"]
    return [NO_SCENARIO] if obj in ("none", "year") else SCENARIOS


# --- requests ---------------------------------------------------------------------------------------------------
class Identities:
    """A test client per identity and route, on a session opened once per identity for the module (a route that
    logs out ends it only inside its own test: the test's changes are rolled back, the session row included)."""

    def __init__(self, world: World):
        self.world = world
        self.sessions: dict[str, str] = {}

    def client(self, who: str) -> Client:
        client = Client()
        if who == ANONYMOUS:
            return client
        if who not in self.sessions:
            client.force_login(self.world.users[who])
            self.sessions[who] = client.cookies[settings.SESSION_COOKIE_NAME].value
        else:
            client.cookies[settings.SESSION_COOKIE_NAME] = self.sessions[who]
        return client

    def basic(self, who: str) -> dict:
        if who == ANONYMOUS:
            return {}
        token = base64.b64encode(f"{self.world.users[who].username}:{PASSWORD}".encode()).decode()
        return {"HTTP_AUTHORIZATION": f"Basic {token}"}


def matches(expected: rules.Answer, response) -> bool:
    location = response.get("Location", "")
    if expected == rules.LOGIN:
        return response.status_code == 302 and location.startswith(
            settings.LOGIN_URL if "/" in settings.LOGIN_URL else reverse(settings.LOGIN_URL)
        )
    if expected == rules.ADMIN_LOGIN:
        return response.status_code == 302 and location.startswith(reverse("admin:login"))
    if isinstance(expected, set | frozenset | tuple):
        return response.status_code in expected
    return response.status_code == expected


def _shown(world: World, body: str) -> set[str]:
    return {s for s, case in world.cases.items() if case.feedback.number in body}


@dataclass
class Outcome:
    requests: int = 0
    mismatches: list[str] | None = None

    def __post_init__(self):
        self.mismatches = []


def run_route(route: rules.Route, url_route: UrlRoute, world: World, identities: Identities) -> Outcome:
    outcome = Outcome()
    app = route.key.split(":")[0] if ":" in route.key else ""
    for who in WHO:
        client = identities.client(who)
        for scenario in scenarios_of(route.obj, route.scenarios):
            if route.url is not None:
                url = route.url(world, who, scenario)
                kwargs = {} if url is not None else None
            else:
                kwargs = _kwargs(route.obj, url_route.params, app, world, who, scenario)
                url = _url(url_route, kwargs) if kwargs is not None else None
            for method, expectation in (("GET", route.get), ("POST", route.post)):
                expected = rules.answer(expectation, who, scenario)
                if kwargs is None or expected == rules.NA:
                    if not (kwargs is None and expected == rules.NA):
                        outcome.mismatches.append(
                            f"{who}/{scenario} {method}: declared {expected}, no record"
                        )
                    continue
                response = client.get(url) if method == "GET" else client.post(url, {})
                outcome.requests += 1
                if not matches(expected, response):
                    outcome.mismatches.append(
                        f"{who}/{scenario} {method} {url}: expected {expected}, got {response.status_code}"
                        f" {response.get('Location', '')}".rstrip()
                    )
                elif method == "GET" and route.lists and response.status_code == 200:
                    shown, allowed = _shown(world, response.content.decode()), route.lists(who)
                    if shown != allowed:
                        outcome.mismatches.append(
                            f"{who} GET {url}: shows {sorted(shown)}, may see {sorted(allowed)}"
                        )
    return outcome


def _url(url_route: UrlRoute, kwargs: dict) -> str:
    path = url_route.pattern
    for name, value in kwargs.items():
        path = re.sub(rf"<(?:\w+:)?{name}>", str(value), path)
    assert "<" not in path, f"{url_route.key}: no value for {path}"
    return "/" + path.lstrip("^").rstrip("$")


def run_api(operation: rules.ApiOperation, world: World, identities: Identities) -> Outcome:
    outcome = Outcome()
    for who in WHO:
        client = Client()
        headers = identities.basic(who)
        for scenario in scenarios_of(operation.obj):
            kwargs = _kwargs(
                operation.obj,
                tuple(PARAM.findall(operation.path.replace("{", "<").replace("}", ">"))),
                "api",
                world,
                who,
                scenario,
            )
            expected = rules.answer(operation.answer, who, scenario)
            path = operation.path
            for name, value in (kwargs or {}).items():
                path = path.replace(f"{{{name}}}", str(value))
            method = operation.method.lower()
            if method == "get":
                response = client.get(path, **headers)
            else:
                response = getattr(client, method)(
                    path, data=json.dumps({}), content_type="application/json", **headers
                )
            outcome.requests += 1
            if not matches(expected, response):
                outcome.mismatches.append(
                    f"{who}/{scenario} {operation.method.upper()} {path}: expected {expected}, got {response.status_code}"
                )
            elif method == "get" and operation.lists and response.status_code == 200:
                shown, allowed = _shown(world, response.content.decode()), operation.lists(who)
                if shown != allowed:
                    outcome.mismatches.append(
                        f"{who} GET {path}: shows {sorted(shown)}, may see {sorted(allowed)}"
                    )
    return outcome


def observe(url_route: UrlRoute, obj, world: World, identities: Identities) -> dict:
    """What each identity gets today (for writing a declaration): {(who, scenario, method): status}."""
    seen = {}
    for who in WHO:
        client = identities.client(who)
        for scenario in scenarios_of(obj):
            kwargs = _kwargs(obj, url_route.params, "", world, who, scenario)
            if kwargs is None:
                continue
            url = _url(url_route, kwargs)
            for method in ("GET", "POST"):
                response = client.get(url) if method == "GET" else client.post(url, {})
                seen[(who, scenario, method)] = (
                    f"{response.status_code}{' ' + response.get('Location', '')[:20] if response.status_code in (301, 302) else ''}"
                )
    return seen
