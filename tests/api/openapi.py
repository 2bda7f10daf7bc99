"""Reading the published OpenAPI 3.0 schema in tests: validate a JSON body against one of its components."""

from __future__ import annotations

import copy

from jsonschema import Draft7Validator, FormatChecker


def _json_schema(node):
    """OpenAPI 3.0's ``nullable: true`` as JSON Schema (``anyOf`` with null); everything else as it is."""
    if isinstance(node, list):
        return [_json_schema(n) for n in node]
    if not isinstance(node, dict):
        return node
    node = {k: _json_schema(v) for k, v in node.items() if k not in ("readOnly", "writeOnly")}
    if node.pop("nullable", False):
        return {"anyOf": [node, {"type": "null"}]}
    return node


def validator(openapi: dict, component: str) -> Draft7Validator:
    components = _json_schema(copy.deepcopy(openapi["components"]))
    return Draft7Validator(
        {"$ref": f"#/components/schemas/{component}", "components": components},
        format_checker=FormatChecker(),
    )


def errors(openapi: dict, component: str, body) -> list[str]:
    return [
        f"{'/'.join(map(str, e.absolute_path))}: {e.message}"
        for e in validator(openapi, component).iter_errors(body)
    ]


def documented_statuses(openapi: dict, path: str, method: str) -> set[int]:
    return {int(code) for code in openapi["paths"][path][method.lower()]["responses"]}
