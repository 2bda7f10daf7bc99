"""Every route has a decision: each pattern of the URL conf is declared in tests/permissions/routes/ (or is an
operation of the API schema, declared there too), and no declaration names a route that is gone. A new view or
endpoint without its line in the matrix fails here, with its name."""

from tests.permissions import rules
from tests.permissions.engine import api_operations, url_routes
from tests.permissions.routes import load_all

load_all()


def _api_paths() -> set[str]:
    return {path.strip("/").replace("{", "<").replace("}", ">") for path, _ in api_operations()}


def _normalised(pattern: str) -> str:
    return __import__("re").sub(r"<(?:\w+:)?(\w+)>", r"<\1>", pattern).strip("/")


def undeclared_routes() -> list[str]:
    api_paths = _api_paths()
    return [
        f"{r.key} ({r.pattern})"
        for r in url_routes()
        if r.key not in rules.ROUTES and _normalised(r.pattern) not in api_paths
    ]


def test_every_route_of_the_url_conf_has_a_decision():
    undeclared = undeclared_routes()
    assert not undeclared, "routes without a decision in tests/permissions/routes/: " + ", ".join(undeclared)


def test_a_new_view_without_a_decision_is_named(settings):
    settings.ROOT_URLCONF = "tests.permissions.extra_urls"
    assert undeclared_routes() == ["brand-new (brand-new/)"]


def test_every_operation_of_the_api_schema_has_a_decision():
    missing = [f"{m.upper()} {p}" for p, m in api_operations() if (p, m) not in rules.API]
    assert not missing, "API operations without a decision in tests/permissions/routes/: " + ", ".join(
        missing
    )


def test_no_decision_names_a_route_that_is_gone():
    keys = {r.key for r in url_routes()}
    operations = set(api_operations())
    assert sorted(set(rules.ROUTES) - keys) == []
    assert sorted(set(rules.API) - operations) == []


def test_the_matrix_covers_every_identity_and_scenario(capsys):
    import sys

    from tests.permissions.engine import scenarios_of
    from tests.permissions.world import SCENARIOS, WHO

    assert len(WHO) == 8 and len(SCENARIOS) == 3
    cells = sum(
        1
        for declared in rules.ROUTES.values()
        for who in WHO
        for scenario in scenarios_of(declared.obj, declared.scenarios)
        for expectation in (declared.get, declared.post)
        if rules.answer(expectation, who, scenario) != rules.NA
    ) + sum(len(WHO) * len(scenarios_of(op.obj)) for op in rules.API.values())
    with capsys.disabled():
        sys.stdout.write(
            f"\npermission matrix: {len(rules.ROUTES)} routes + {len(rules.API)} API operations x {len(WHO)} "
            f"identities x up to {len(SCENARIOS)} scenarios = {cells} requests\n"
        )
    assert len(rules.ROUTES) + len(rules.API) >= 150
