"""The OpenAPI document: the problem+json schema, and on every operation the errors it answers with.

A route declares its own errors (`responses=problems(404, 409)`). What follows from an operation's
shape is added here, so it cannot be forgotten: 401 and 403 wherever it takes the `Authorization`
header (an API key is checked), 400 wherever a JSON body is parsed, 422 wherever anything is
validated (as the problem+json the app sends, not FastAPI's default `HTTPValidationError`), and
500 everywhere.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI

from app.problems import problems

_REF = "#/components/schemas/"

PROBLEM_SCHEMAS: dict[str, dict[str, Any]] = {
    "Problem": {
        "title": "Problem",
        "description": "An RFC 9457 problem details object, sent as `application/problem+json`. Extension "
        "members other than those listed may appear.",
        "type": "object",
        "required": ["type", "title", "status", "instance"],
        "properties": {
            "type": {"type": "string", "description": "Always `about:blank`: `title` says what went wrong."},
            "title": {"type": "string", "description": "What went wrong, the same for every occurrence."},
            "status": {"type": "integer", "minimum": 400, "maximum": 599, "description": "The HTTP status."},
            "detail": {"type": "string", "description": "This occurrence, and what to do about it."},
            "instance": {"type": "string", "description": "The request's path."},
            "request_id": {
                "type": "string",
                "description": "The request's `X-Request-ID` (yours if you sent a plain token, else a new one); "
                "quote it when reporting an error.",
            },
            "errors": {
                "type": "array",
                "description": "422: each input that failed, as `{loc, msg, type}`; a pushed record batch names "
                "each bad record in a sentence instead.",
                "items": {"anyOf": [{"$ref": _REF + "ProblemError"}, {"type": "string"}]},
            },
            "issues": {
                "type": "array",
                "items": {"type": "string"},
                "description": "A bundle that cannot be imported: what is wrong with each file.",
            },
            "limit_bytes": {"type": "integer", "description": "413: the size limit that was passed."},
        },
        "additionalProperties": True,
    },
    "ProblemError": {
        "title": "ProblemError",
        "description": "One input that failed validation.",
        "type": "object",
        "required": ["loc", "msg", "type"],
        "properties": {
            "loc": {
                "type": "array",
                "items": {"anyOf": [{"type": "string"}, {"type": "integer"}]},
                "description": "Where: `body`, `query`, `path` or `header`, then the field's path.",
            },
            "msg": {"type": "string"},
            "type": {"type": "string", "description": "The kind of failure, e.g. `missing`, `int_parsing`."},
        },
    },
}

_FASTAPI_VALIDATION_SCHEMAS = ("HTTPValidationError", "ValidationError")


def install_openapi(app: FastAPI) -> None:
    build = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            document_problems(build())
        return app.openapi_schema  # type: ignore[return-value]

    app.openapi = openapi  # type: ignore[method-assign]


def document_problems(schema: dict[str, Any]) -> None:
    """Add the problem+json schema, and each operation's derived error responses, to `schema` in place."""
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    for name in _FASTAPI_VALIDATION_SCHEMAS:
        components.pop(name, None)
    components.update(PROBLEM_SCHEMAS)
    for operations in schema.get("paths", {}).values():
        for operation in operations.values():
            responses = operation.setdefault("responses", {})
            if "422" in responses and _is_fastapi_validation_error(responses["422"]):
                del responses["422"]
            for status, response in problems(*_derived_statuses(operation)).items():
                responses.setdefault(str(status), response)


def _derived_statuses(operation: dict[str, Any]) -> list[int]:
    parameters = operation.get("parameters", [])
    headers = {p["name"].lower() for p in parameters if p.get("in") == "header"}
    body = operation.get("requestBody", {}).get("content", {})
    statuses = []
    if "application/json" in body:
        statuses.append(400)
    if "authorization" in headers:  # the API key is the only thing the app reads it for
        statuses += [401, 403]
    if parameters or body:
        statuses.append(422)
    statuses.append(500)
    return statuses


def _is_fastapi_validation_error(response: dict[str, Any]) -> bool:
    schema = response.get("content", {}).get("application/json", {}).get("schema", {})
    return bool(schema.get("$ref") == _REF + "HTTPValidationError")
