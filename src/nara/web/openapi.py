"""The OpenAPI document of /api/v1, with every response an operation can give.

FastAPI documents the success responses; this module adds the errors, once, by
post-processing the generated document. Every error is RFC 9457 problem details
(``application/problem+json``, the ``Problem`` schema, exactly what ``web/errors.py`` and
the middleware send). Which statuses an operation declares follows from its shape:

- 400 for every operation (a body that is not JSON, or a NUL character in the URL);
- 401 when it needs credentials (``security`` from ``web/deps.py``), and 403 when it also
  changes something (a cookie-authenticated unsafe request needs the CSRF token);
- 404 when the path names an object; 413 when it takes a body; 422 when it takes input;

plus what ``DECLARED`` says for the operation: role checks on reads (403), conflicts
(409), rate limits (429, with ``Retry-After``), optional credentials (self-service), other
success statuses, and the rare inferred status that cannot happen. Every API response the
test suite sees is checked against this document (``tests/openapi_check.py``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from fastapi import FastAPI
from pydantic import BaseModel, ConfigDict, Field
from pydantic.json_schema import SkipJsonSchema

from nara.web.api.schemas import HealthOut
from nara.web.errors import PROBLEM

API_PREFIX = "/api/v1"
REF = "#/components/schemas/{model}"
UNSAFE = frozenset({"post", "put", "patch", "delete"})


class FieldError(BaseModel):
    """One input that was refused and why."""

    model_config = ConfigDict(extra="forbid")

    field: str = Field(
        description="The input the message is about: a body field (dotted when nested), "
        "a query or path parameter, or a header such as Idempotency-Key."
    )
    message: str


def _optional_members_without_null(schema: dict[str, Any]) -> None:
    """``instance`` and ``errors`` are left out when empty, never sent as null."""
    for member in schema["properties"].values():
        if member.get("default", ...) is None:
            del member["default"]


class Problem(BaseModel):
    """RFC 9457 problem details: how every API error is answered."""

    model_config = ConfigDict(extra="forbid", json_schema_extra=_optional_members_without_null)

    type: str = Field(
        description="Always about:blank: the status and title say what kind of problem it is.",
        json_schema_extra={"format": "uri-reference", "default": "about:blank"},
    )
    title: str = Field(description="The HTTP status in words, e.g. 'Invalid input'.")
    status: int = Field(ge=400, le=599, description="The HTTP status code, repeated.")
    detail: str = Field(description="What went wrong, in English, for people.")
    instance: str | SkipJsonSchema[None] = Field(
        None, description="The request path (absent on errors answered before routing)."
    )
    errors: list[FieldError] | SkipJsonSchema[None] = Field(
        None, description="The refused inputs (invalid input, and domain errors on one field)."
    )


DESCRIPTIONS = {
    400: "Bad request: the body is not valid JSON, or the URL holds a NUL character.",
    401: "Not authenticated: no credentials, an unknown, revoked or expired API token or "
    "session, or (logging in) a wrong e-mail or password.",
    403: "Forbidden: the caller's role or teams do not allow this, or a request "
    "authenticated by the session cookie lacks the session's X-CSRF-Token.",
    404: "Not found: the object does not exist or the caller may not see it (both answer "
    "the same).",
    409: "Conflict with the current state (a duplicate, a closed case, a full or past "
    "callback slot, a conversation already handed over, ...).",
    413: "The body is larger than the server accepts (NARA_MAX_BODY_BYTES).",
    422: "Invalid input: a field, parameter or header breaks the schema or a rule of the "
    "domain; `errors` names the fields.",
    429: "Too many requests: wait the number of seconds in Retry-After.",
}
HEADERS: dict[int, dict[str, Any]] = {
    401: {
        "WWW-Authenticate": {
            "description": 'Bearer realm="nara"',
            "schema": {"type": "string"},
        }
    },
    429: {
        "Retry-After": {
            "description": "Seconds until the limit has room again.",
            "schema": {"type": "integer", "minimum": 1},
        }
    },
}


@dataclass(frozen=True)
class Declared:
    """What an operation answers beyond what its shape says (see the module doc)."""

    errors: frozenset[int] = frozenset()
    absent: frozenset[int] = frozenset()
    """Inferred statuses the operation cannot give."""
    ok: Mapping[int, tuple[str | None, str]] = field(default_factory=dict)
    """More responses that are no errors: (the schema's name, or None for the route's own
    schema; the description)."""
    optional_auth: bool = False
    """Anyone may call it; credentials, when sent, must be valid (401, and 403 for CSRF)."""


def _d(*errors: int, **options: Any) -> Declared:
    return Declared(errors=frozenset(errors), **options)


NO_404 = frozenset({404})
SELF_SERVICE = "/selfservice/conversations/{conversation_id}"

DECLARED: dict[str, Declared] = {
    "GET /health": _d(
        ok={200: ("HealthOut", "Up"), 503: ("HealthOut", "Degraded: the database does not answer")}
    ),
    "POST /auth/login": _d(401, 429),
    "POST /me/tokens": _d(409),
    "POST /cases": _d(
        404,  # an Idempotency-Key retry whose case the caller may no longer see
        409,
        ok={200: (None, "A retry with the same Idempotency-Key: the case made the first time")},
    ),
    "POST /cases/{number}/replies": _d(409),
    "POST /cases/{number}/status": _d(409),
    "POST /cases/{number}/assign": _d(409),
    "POST /cases/{number}/handover": _d(409),
    "POST /cases/{number}/topic": _d(409),  # a closed case
    "POST /cases/{number}/claim": _d(409),
    "GET /customers": _d(429),  # searches by a full personnummer
    "POST /customers": _d(409, 429),  # a personnummer given counts as a search by one
    "PATCH /customers/{customer_id}": _d(409, 429),
    "GET /audit-log": _d(403),
    "GET /audit-log.csv": _d(403),
    "GET /teams": _d(403),
    "POST /teams": _d(409),
    "GET /teams/{team_id}": _d(403),
    "PATCH /teams/{team_id}": _d(409),  # the fallback team cannot be made inactive
    "POST /topics": _d(409),
    "GET /users": _d(403),
    "POST /users": _d(409),
    "GET /users/{user_id}": _d(403),
    "PATCH /users/{user_id}": _d(409),
    "GET /selfservice/suggestions": _d(403),  # leads and admins
    "GET /selfservice/models": _d(403),  # leads and admins
    "POST /selfservice/conversations": _d(429, optional_auth=True),
    f"POST {SELF_SERVICE}/questions": _d(409, 429, optional_auth=True),
    f"POST {SELF_SERVICE}/feedback": _d(409, optional_auth=True),
    f"POST {SELF_SERVICE}/person": _d(409, optional_auth=True),
    f"POST {SELF_SERVICE}/contact": _d(409, 429, optional_auth=True),
    "PUT /topics/{topic_id}/articles/{lang}": _d(absent=NO_404),  # unknown topic: 422
    "POST /queue/next": _d(422),  # the caller is in no team
    "GET /me/presence": _d(403),
    "GET /callbacks/due": _d(403),
    "POST /cases/{number}/callbacks": _d(409),
    "POST /callbacks/{callback_id}/cancel": _d(409),
    "POST /callbacks/{callback_id}/move": _d(409),
    "POST /callbacks/{callback_id}/outcome": _d(409),
    "POST /cases/{number}/tasks/{kind}/done": _d(409),
    "GET /service/results": _d(403),
    "GET /teams/{team_id}/calendar": _d(403),
    "GET /teams/{team_id}/presence": _d(403),
    "GET /promises": _d(403),
    "POST /promises": _d(409),
    "PUT /promises/{policy_id}": _d(409),
    "GET /topics/{topic_id}/routing": _d(403, absent=NO_404),  # an unknown topic has none
    "POST /cases/{number}/consultations": _d(409),  # a closed case
    "GET /cases/{number}/consultations": _d(403),
    "GET /consultations": _d(403),
    "GET /consultations/{consultation_id}": _d(403),
    "POST /consultations/{consultation_id}/answer": _d(409),  # no longer open
    "POST /consultations/{consultation_id}/close": _d(409),  # already closed
    "POST /consultations/{consultation_id}/follow-up": _d(409),  # not answered
    "GET /customers/{customer_id}/overview": _d(403),  # staff only
    "POST /cases/{number}/links": _d(409),  # already related
    "POST /cases/{number}/merge": _d(409),  # closed, or work under way on the duplicate
    "GET /notifications": _d(403),  # staff only
    "GET /decision-types": _d(403),  # staff only
    "POST /decision-types": _d(409),  # the slug exists
    "GET /mandate-rules": _d(403),
    "GET /mandate-rules/{rule_id}/versions": _d(403),
    "PUT /mandate-ceilings": _d(404),  # no such team
    "GET /cases/{number}/mandate": _d(403),
    "GET /cases/{number}/decisions": _d(403),
    "POST /cases/{number}/decisions": _d(
        409,  # a closed case, or nobody's mandate covers it
        ok={202: (None, "Beyond the caller's mandate: an approval request was sent")},
    ),
    "GET /approvals": _d(403),
    "GET /approvals/{approval_id}": _d(403),
    "POST /approvals/{approval_id}/approve": _d(409),  # already decided, or beyond mandate
    "POST /approvals/{approval_id}/decline": _d(409),
    "POST /approvals/{approval_id}/withdraw": _d(409),
    "GET /mandates/what-if": _d(403, 404),  # staff only; no such team
    # Improvements (issue 15): staff only (403 for customers on every route).
    # 404: a case_number the caller may not read; 409: no team and no fallback team.
    "POST /improvements": _d(404, 409),
    "GET /improvements": _d(403),
    "GET /improvements/ranked": _d(403),
    "GET /improvements/{improvement_id}": _d(403),
    "GET /improvements/{improvement_id}/events": _d(403),
    "POST /improvements/{improvement_id}/evidence": _d(409),  # merged into another
    "POST /improvements/{improvement_id}/evidence/{evidence_id}/confirm": _d(409),
    "POST /improvements/{improvement_id}/evidence/{evidence_id}/reject": _d(409),
    "POST /improvements/{improvement_id}/status": _d(409),  # not allowed from this status
    "POST /improvements/{improvement_id}/comments": _d(),
    "POST /improvements/{improvement_id}/follow": _d(),
    "POST /improvements/{improvement_id}/unfollow": _d(409),  # the reporter keeps following
    "POST /improvements/{improvement_id}/support": _d(409),  # merged into another
    "POST /improvements/{improvement_id}/owner": _d(409),  # merged into another
    "POST /improvements/{improvement_id}/merge": _d(409),  # done, declined or merged
    # The follow-up (issue 16): staff only; an agent's filter on another team is 403.
    "GET /followup": _d(403),
    "GET /followup/cases": _d(403),
    # Customer satisfaction (issue 16): only the case's customer answers; anyone else,
    # anonymous callers included, finds no case (404), so credentials are optional.
    "POST /cases/{number}/satisfaction": _d(
        409,  # not resolved, or past the 7 days to change the answer
        ok={200: (None, "A change of the answer within 7 days of the first one")},
        optional_auth=True,
    ),
    "GET /cases/{number}/satisfaction": _d(optional_auth=True),
}
"""Keyed by "METHOD /path" under /api/v1, as in the document."""


def _needs_credentials(operation: Mapping[str, Any]) -> bool:
    return any(requirement for requirement in operation.get("security", []))


def error_statuses(method: str, operation: Mapping[str, Any], declared: Declared) -> set[int]:
    """The error statuses of one operation: inferred from its shape, then declared."""
    statuses = {400}
    params = operation.get("parameters", [])
    has_body = "requestBody" in operation
    if _needs_credentials(operation) or declared.optional_auth:
        statuses.add(401)
        if method in UNSAFE:
            statuses.add(403)
    if any(p.get("in") == "path" for p in params):
        statuses.add(404)
    if has_body or method in UNSAFE - {"delete"}:
        statuses.add(413)
    if params or has_body:
        statuses.add(422)
    return (statuses | declared.errors) - declared.absent


def _problem_response(status: int) -> dict[str, Any]:
    response: dict[str, Any] = {
        "description": DESCRIPTIONS[status],
        "content": {PROBLEM: {"schema": {"$ref": REF.format(model="Problem")}}},
    }
    if status in HEADERS:
        response["headers"] = HEADERS[status]
    return response


def _add_models(document: dict[str, Any], models: Iterable[type[BaseModel]]) -> None:
    schemas = document.setdefault("components", {}).setdefault("schemas", {})
    for model in models:
        schema = model.model_json_schema(ref_template=REF, mode="serialization")
        schemas.update(schema.pop("$defs", {}))
        schemas[model.__name__] = schema


def _success(operation: dict[str, Any], declared: Declared) -> None:
    responses = operation["responses"]
    own = next((r for s, r in responses.items() if s.startswith("2")), None)
    for status, (model, description) in declared.ok.items():
        if model is None:
            assert own is not None, "a response like the route's needs the route's own"
            responses[str(status)] = {**own, "description": description}
        else:
            schema = {"$ref": REF.format(model=model)}
            content = {"application/json": {"schema": schema}}
            responses[str(status)] = {"description": description, "content": content}


def _describe_operation(method: str, operation: dict[str, Any], declared: Declared) -> None:
    _success(operation, declared)
    responses = operation["responses"]
    for status in list(responses):
        if status.startswith("4"):
            del responses[status]  # FastAPI's own 422 (HTTPValidationError) included
    for status in sorted(error_statuses(method, operation, declared)):
        responses[str(status)] = _problem_response(status)
    operation["responses"] = dict(sorted(responses.items()))
    if declared.optional_auth:
        operation["security"] = [{}, {"apiToken": []}, {"session": []}]


def operations(document: Mapping[str, Any]) -> Iterable[tuple[str, str, dict[str, Any]]]:
    """("METHOD /path" without the prefix, method, operation) for every API operation."""
    for path, item in document.get("paths", {}).items():
        if not path.startswith(API_PREFIX):
            continue
        for method, operation in item.items():
            yield f"{method.upper()} {path.removeprefix(API_PREFIX)}", method, operation


def describe_errors(document: dict[str, Any]) -> dict[str, Any]:
    """Add the error responses and the Problem schema; drop FastAPI's validation schema."""
    _add_models(document, (Problem, HealthOut))
    for key, method, operation in operations(document):
        _describe_operation(method, operation, DECLARED.get(key, Declared()))
    schemas = document["components"]["schemas"]
    for unused in ("HTTPValidationError", "ValidationError"):
        schemas.pop(unused, None)
    document["components"]["schemas"] = dict(sorted(schemas.items()))
    return document


def install(app: FastAPI) -> None:
    """Make ``app.openapi()`` (and /api/v1/openapi.json) return the described document."""
    generate: Callable[[], dict[str, Any]] = app.openapi
    described: list[dict[str, Any]] = []

    def openapi() -> dict[str, Any]:
        document = generate()  # FastAPI caches it until the routes change
        if not described or described[0] is not document:
            described[:] = [describe_errors(document)]
        return document

    app.openapi = openapi  # type: ignore[method-assign]
