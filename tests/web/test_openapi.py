"""The OpenAPI document tells the truth about every response.

- Every operation declares its error statuses as problem details (``Problem``), the
  statuses its shape implies and those the authorization matrix expects.
- A walker over the document calls every operation as every role with input that breaks
  the schema (and without the input it needs): the server refuses it (never a 2xx, never
  a 5xx) with a status the operation declares, as problem details matching ``Problem``.
  (``tests/conftest.py`` checks every API response of every test against the document;
  here the walker makes the responses.)
- Input at the limits the schema allows is never refused for its shape, so the request
  schemas say what the domain accepts.
- Successful responses match their declared schemas.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from nara.domain.actors import SYSTEM
from nara.domain.customers import update_customer
from nara.domain.errors import DomainError
from nara.web import ratelimit
from nara.web.api.mandates import AMOUNT_PATTERN
from nara.web.api.schemas import PHONE_DOC, SLUG
from nara.web.openapi import DECLARED, UNSAFE, operations
from tests import factories
from tests.openapi_check import Checker
from tests.web.test_authz_matrix import (
    API,
    BUILDERS,
    MATRIX,
    PROBLEM,
    ROLES,
    Call,
    Ctx,
)

NOT_DOCUMENTED = {("GET", f"{API}/openapi.json"), ("GET", f"{API}/docs")}
ROUTES = sorted(MATRIX.keys() - NOT_DOCUMENTED)
PROBLEM_REF = {"$ref": "#/components/schemas/Problem"}


def _id(route: tuple[str, str]) -> str:
    return f"{route[0]} {route[1].removeprefix(API)}"


@pytest.fixture
def document(app: FastAPI) -> dict[str, Any]:
    return app.openapi()


@pytest.fixture
def ctx(db: Session) -> Ctx:
    """The authorization matrix's world (its requests are built in it)."""
    w = factories.world(db)
    # a phone number to call back on when a booking names none
    update_customer(session=db, actor=SYSTEM, customer_id=w.alice.id, phone="070-123 45 67")
    newcomer = factories.user(db, role="agent")
    spare_topic = factories.topic(db)
    db.commit()
    return Ctx(db=db, w=w, newcomer=newcomer, spare_topic=spare_topic)


def build(c: Ctx, route: tuple[str, str], role: str, earlier: Call | None) -> Call:
    """The matrix's request for this role; the earlier one when this one cannot be made
    again in the same world (a second promise for the same topic, ...)."""
    try:
        call = BUILDERS[route](c, role, False)
    except (DomainError, IntegrityError):
        c.db.rollback()
        assert earlier is not None
        return earlier
    c.db.commit()  # what a refused request rolls back must not take the world with it
    return call


def _operation(document: Mapping[str, Any], route: tuple[str, str]) -> dict[str, Any]:
    operation: dict[str, Any] = document["paths"][route[1]][route[0].lower()]
    return operation


# ---- (a) what the document declares ----
def test_the_served_document_has_problem_details_and_no_fastapi_validation_error(
    client: TestClient,
) -> None:
    response = client.get(f"{API}/openapi.json")
    assert response.status_code == 200
    text = response.text
    assert "HTTPValidationError" not in text
    assert '"ValidationError"' not in text
    schemas = response.json()["components"]["schemas"]
    problem = schemas["Problem"]
    assert problem["required"] == ["type", "title", "status", "detail"]
    assert set(problem["properties"]) == {"type", "title", "status", "detail", "instance", "errors"}
    assert problem["additionalProperties"] is False
    assert problem["properties"]["errors"]["items"] == {"$ref": "#/components/schemas/FieldError"}
    assert schemas["FieldError"]["required"] == ["field", "message"]
    assert set(response.json()["components"]["securitySchemes"]) == {"apiToken", "session"}


def test_every_operation_declares_its_success_and_errors(document: dict[str, Any]) -> None:
    seen = 0
    for key, method, operation in operations(document):
        seen += 1
        responses = operation["responses"]
        assert any(status.startswith("2") for status in responses), key
        for status, response in responses.items():
            if status.startswith("4"):
                assert response["content"] == {PROBLEM: {"schema": PROBLEM_REF}}, (key, status)
                assert response["description"], (key, status)
        declared = {int(s) for s in responses if s.startswith("4")}
        secured = any(operation.get("security", []))
        params = operation.get("parameters", [])
        assert 400 in declared, key
        if secured:
            assert 401 in declared, key
            if method in UNSAFE:
                assert 403 in declared, key  # the CSRF check
        if any(p["in"] == "path" for p in params) and 404 not in declared:
            assert 404 in DECLARED[key].absent, key
        if "requestBody" in operation:
            assert {413, 422} <= declared, key
        if params:
            assert 422 in declared, key
        if 401 in declared:
            assert "WWW-Authenticate" in responses["401"]["headers"], key
        if 429 in declared:
            assert responses["429"]["headers"]["Retry-After"]["schema"]["type"] == "integer"
    assert seen == len(ROUTES)


def test_declarations_name_operations_that_exist(document: dict[str, Any]) -> None:
    keys = {key for key, _, _ in operations(document)}
    assert set(DECLARED) <= keys, sorted(set(DECLARED) - keys)


def test_self_service_says_credentials_are_optional(document: dict[str, Any]) -> None:
    questions = _operation(
        document, ("POST", f"{API}/selfservice/conversations/{{conversation_id}}/questions")
    )
    assert {} in questions["security"]
    assert {"401", "403", "404", "409", "429"} <= set(questions["responses"])


def test_every_status_of_the_authorization_matrix_is_declared(document: dict[str, Any]) -> None:
    for route in ROUTES:
        rule = MATRIX[route]
        declared = set(_operation(document, route)["responses"])
        expected = {rule.expected(role) for role in ROLES} | set((rule.cross or {}).values())
        missing = {str(status) for status in expected} - declared
        assert not missing, (_id(route), missing)


def test_post_cases_declares_the_idempotent_retry(document: dict[str, Any]) -> None:
    responses = _operation(document, ("POST", f"{API}/cases"))["responses"]
    assert responses["200"]["content"] == responses["201"]["content"]


# ---- the schema, resolved ----
def resolve(document: Mapping[str, Any], schema: Mapping[str, Any]) -> tuple[dict[str, Any], bool]:
    """The schema behind $refs and an optional ``anyOf [X, null]``, and whether null is allowed."""
    outer = dict(schema)
    nullable = False
    if "anyOf" in outer:
        branches = [b for b in outer.pop("anyOf") if b.get("type") != "null"]
        nullable = len(branches) < len(schema["anyOf"])
        assert len(branches) == 1, schema
        outer = {**branches[0], **outer}
    while "$ref" in outer:
        name = outer.pop("$ref").rsplit("/", 1)[-1]
        outer = {**document["components"]["schemas"][name], **outer}
    return outer, nullable


def bad_values(schema: Mapping[str, Any], nullable: bool, *, in_url: bool) -> Iterator[Any]:
    """Values the schema refuses."""
    kind = schema.get("type")
    if "enum" in schema or "const" in schema:
        yield "ogiltigt-värde"
    if kind == "string":
        if not in_url:
            yield 12345
        if "maxLength" in schema:
            yield "å" * (schema["maxLength"] + 1)
        if schema.get("minLength", 0) > 0:
            yield ""
        if "pattern" in schema:
            yield "!?"
        if schema.get("format") == "date-time":
            yield "i går"
    elif kind == "integer":
        yield from ("tre", 10**30) if in_url else ("tre", 1.5, 10**30)
        if "minimum" in schema:
            yield schema["minimum"] - 1
        if "maximum" in schema:
            yield schema["maximum"] + 1
    elif kind == "boolean":
        yield "kanske"
    elif kind == "array":
        yield "inte en lista"
        if "maxItems" in schema:
            yield ["2026-12-24"] * (schema["maxItems"] + 1)
    elif kind == "object":
        yield ["inte", "ett", "objekt"]
        if "enum" in schema.get("propertyNames", {}):
            yield {"ogiltig-nyckel": "08:00-12:00"}
    if not nullable and not in_url:
        yield None


# ---- (b) the walker: bad and missing input, every operation, every role ----
@dataclass(frozen=True)
class Attempt:
    what: str
    method: str
    url: str
    body: Any = None
    raw: bytes | None = None
    headers: Mapping[str, str] | None = None
    refused: bool = True
    """The schema refuses this request: the server must not accept it."""


def _path_attempts(
    document: Mapping[str, Any], template: str, url: str, operation: Mapping[str, Any]
) -> Iterator[tuple[str, str, bool]]:
    """(what, url, refused) with one path parameter replaced by a bad or unknown value."""
    path, _, query = url.partition("?")
    suffix = f"?{query}" if query else ""
    names = template.split("/")
    parts = path.split("/")
    assert len(names) == len(parts), (template, url)
    for param in operation.get("parameters", []):
        if param["in"] != "path":
            continue
        index = names.index("{" + param["name"] + "}")
        schema, _ = resolve(document, param["schema"])
        values: list[tuple[Any, bool]] = [
            (2**40 if schema["type"] == "integer" else "saknas", False)
        ]
        values += [(v, True) for v in bad_values(schema, False, in_url=True)]
        values.append(("%00", True))
        for value, refused in values:
            swapped = [*parts[:index], quote(str(value), safe="%"), *parts[index + 1 :]]
            yield f"path {param['name']}={str(value)[:20]!r}", "/".join(swapped) + suffix, refused


def _query_attempts(
    document: Mapping[str, Any], url: str, operation: Mapping[str, Any]
) -> Iterator[tuple[str, str]]:
    path = url.partition("?")[0]
    for param in operation.get("parameters", []):
        if param["in"] != "query":
            continue
        schema, _ = resolve(document, param["schema"])
        if schema.get("type") == "array":
            schema, _ = resolve(document, schema["items"])
        for value in bad_values(schema, True, in_url=True):
            what = f"query {param['name']}={str(value)[:20]!r}"
            yield what, f"{path}?{param['name']}={quote(str(value))}"


def _body_attempts(
    document: Mapping[str, Any], call: Call, operation: Mapping[str, Any]
) -> Iterator[Attempt]:
    content = operation.get("requestBody", {}).get("content", {})
    if "application/json" not in content:
        return
    schema, _ = resolve(document, content["application/json"]["schema"])
    base = call.json if isinstance(call.json, dict) else {}
    method, url = call.method, call.url
    yield Attempt("no body", method, url)
    yield Attempt(
        "not JSON", method, url, raw=b'{"oj":', headers={"Content-Type": "application/json"}
    )
    yield Attempt("a list, not an object", method, url, body=[base])
    plain = {"Content-Type": "text/plain"}
    yield Attempt("not sent as JSON", method, url, raw=json.dumps(base).encode(), headers=plain)
    yield Attempt("an unknown field", method, url, body={**base, "okänt_fält": 1})
    for name in schema.get("required", []):
        yield Attempt(
            f"without {name}", method, url, body={k: v for k, v in base.items() if k != name}
        )
    for name, prop in schema["properties"].items():
        prop_schema, nullable = resolve(document, prop)
        for value in bad_values(prop_schema, nullable, in_url=False):
            yield Attempt(f"{name}={str(value)[:20]!r}", method, url, body={**base, name: value})


def _header_attempts(call: Call, operation: Mapping[str, Any]) -> Iterator[Attempt]:
    for param in operation.get("parameters", []):
        if param["in"] == "header":
            schema = resolve({}, param["schema"])[0]
            for value in ("", "k" * (schema.get("maxLength", 1000) + 1)):
                yield Attempt(
                    f"header {param['name']}={value[:20]!r}",
                    call.method,
                    call.url,
                    body=call.json,
                    headers={param["name"]: value},
                )


def attempts(document: Mapping[str, Any], route: tuple[str, str], call: Call) -> Iterator[Attempt]:
    operation = _operation(document, route)
    yield Attempt("as the matrix sends it", call.method, call.url, body=call.json, refused=False)
    nul = f"{call.url}{'&' if '?' in call.url else '?'}x=%00"
    yield Attempt("a NUL character in the query", call.method, nul, body=call.json)
    for what, url, refused in _path_attempts(document, route[1], call.url, operation):
        yield Attempt(what, call.method, url, body=call.json, refused=refused)
    for what, url in _query_attempts(document, call.url, operation):
        yield Attempt(what, call.method, url, body=call.json)
    yield from _header_attempts(call, operation)
    yield from _body_attempts(document, call, operation)


def _send(client: TestClient, c: Ctx, role: str, attempt: Attempt) -> Any:
    headers = {**c.headers(role), **(attempt.headers or {})}
    if attempt.raw is not None:
        return client.request(attempt.method, attempt.url, content=attempt.raw, headers=headers)
    if attempt.body is None:
        return client.request(attempt.method, attempt.url, headers=headers)
    return client.request(attempt.method, attempt.url, json=attempt.body, headers=headers)


@pytest.mark.parametrize("route", ROUTES, ids=_id)
def test_bad_input_is_refused_with_a_declared_problem(
    client: TestClient, ctx: Ctx, document: dict[str, Any], route: tuple[str, str]
) -> None:
    """Every response is also checked by the client's hook (declared status, content type
    and body schema); here: nothing the schema refuses is accepted, nothing is a 5xx."""
    checker = Checker(document)
    sent = 0
    call: Call | None = None
    for role in ROLES:
        ratelimit.reset()
        call = build(ctx, route, role, call)
        for attempt in attempts(document, route, call):
            response = _send(client, ctx, role, attempt)
            sent += 1
            where = (role, attempt.what, response.status_code, response.text[:300])
            assert response.status_code < 500, where
            if attempt.refused:
                assert response.status_code >= 400, where
            if response.status_code >= 400:
                assert response.headers["content-type"].startswith(PROBLEM), where
                assert not checker.schema_errors(PROBLEM_REF, response.json()), where
    assert sent >= len(ROLES)


# ---- the request schemas say what the domain accepts ----
PATTERN_EXAMPLES = {
    r"^\s*(-|[a-z0-9]+(-[a-z0-9]+)*)\s*$": ["-", "a" * 64, " ny-sak "],
    SLUG: ["a" * 64, " ny-sak "],
    PHONE_DOC["pattern"]: ["+46 (70) 123-45-67", "", " 0701234567 "],
    "^(me|none|[0-9]+)$": ["me", "none", "12"],
    "^(sv|en)$": ["sv", "en"],
    AMOUNT_PATTERN: ["250.00", "1000000000", " 12,5 "],
}
MEANINGFUL = {
    "email": "ny.person@example.test",
    "personnummer": "19121212-1212",
    "timezone": "Europe/Helsinki",
    "password": "ett långt och hemligt lösenord",
}
"""Text the schema cannot describe fully: a value the domain takes."""
ANY_LENGTH = 60_000
RULES_BEYOND_THE_SCHEMA = {
    # The follow-up: an existing team (an agent's own), an existing topic, a period of at
    # most five years with from not after to, a metric of GET /followup.
    ("GET /followup", "team"): "an existing team (for an agent, one of theirs)",
    ("GET /followup", "topic"): "an existing topic",
    ("GET /followup", "from"): "not after to, at most five years before it",
    ("GET /followup", "to"): "not before from, at most five years after it",
    ("GET /followup/cases", "team"): "an existing team (for an agent, one of theirs)",
    ("GET /followup/cases", "topic"): "an existing topic",
    ("GET /followup/cases", "from"): "not after to, at most five years before it",
    ("GET /followup/cases", "to"): "not before from, at most five years after it",
    ("GET /followup/cases", "metric"): "a metric GET /followup names",
    ("GET /followup/cases", "cursor"): "only a next_cursor the server gave",
    ("POST /improvements", "topics"): "existing topics",
    ("GET /improvements", "topic"): "an existing topic",
    ("GET /improvements", "cursor"): "only a next_cursor the server gave",
    ("POST /improvements/{improvement_id}/status", "target_date"): "not in the past",
    ("POST /improvements/{improvement_id}/status", "live_at"): "not in the future",
    ("POST /improvements/{improvement_id}/status", "status"): "one the current status allows",
    ("POST /cases", "customer_id"): "staff must name the customer; customers need not",
    ("POST /cases/{number}/handover", "team"): "an existing, active team with active members",
    ("POST /cases/{number}/handover", "owner"): "the e-mail of an active member of that team",
    ("POST /cases/{number}/topic", "topic_id"): "an active topic",
    ("POST /promises", "resolution_minutes"): "not less than first_response_minutes",
    ("PUT /promises/{policy_id}", "resolution_minutes"): "not less than first_response_minutes",
    ("GET /cases", "cursor"): "only a next_cursor the server gave",
    ("GET /notifications", "cursor"): "only a next_cursor the server gave",
    # The audit log's filters are checked after the admin check, so that nobody else
    # learns anything from them (a non-admin gets 403 whatever the filters say).
    ("GET /audit-log", "cursor"): "only a next_cursor the server gave",
    ("GET /audit-log", "actor"): "a user id or an e-mail address",
    ("GET /audit-log", "from"): "a date or an ISO date-time",
    ("GET /audit-log", "to"): "a date or an ISO date-time",
    ("GET /audit-log.csv", "actor"): "a user id or an e-mail address",
    ("GET /audit-log.csv", "from"): "a date or an ISO date-time",
    ("GET /audit-log.csv", "to"): "a date or an ISO date-time",
    # A consultation names an existing, active team with members (not the case's own),
    # optionally one of its members, and a due time between now and a year ahead.
    ("POST /cases/{number}/consultations", "team"): "an active team with members, not the owner",
    ("POST /cases/{number}/consultations", "member"): "a member of that team",
    ("POST /cases/{number}/consultations", "due_at"): "in the future, at most a year ahead",
    ("POST /consultations/{consultation_id}/follow-up", "due_at"): "in the future, within a year",
    ("GET /consultations", "cursor"): "only a next_cursor the server gave",
    # Mandates: a decision names an active type of the case's topic and the value its kind
    # takes (an amount above zero and at most 10^9 kr, days, or yes/no); rules and
    # ceilings name an existing type, team or staff member, with limits the kind takes.
    ("POST /cases/{number}/decisions", "type"): "an active decision type of the case's topic",
    ("POST /cases/{number}/decisions", "amount"): "for amounts: above zero, at most 10^9 kr",
    ("POST /cases/{number}/decisions", "days"): "only for a days decision",
    ("POST /cases/{number}/decisions", "value"): "only for a yes/no decision",
    ("POST /cases/{number}/decisions", "reason"): "required when the type says so",
    ("POST /decision-types", "topic_ids"): "existing topics",
    ("PATCH /decision-types/{type_id}", "topic_ids"): "existing topics",
    ("POST /mandate-rules", "decision_type"): "an existing, active decision type",
    ("POST /mandate-rules", "holder"): "an existing staff member, active team or staff role",
    ("POST /mandate-rules", "limit"): "kronor or days (1-3650) by the kind; none for yes/no",
    ("POST /mandate-rules", "customer_limit"): "amounts only, at least the limit",
    ("PATCH /mandate-rules/{rule_id}", "holder"): "an existing staff member, team or role",
    ("PATCH /mandate-rules/{rule_id}", "limit"): "kronor or days (1-3650) by the kind",
    ("PATCH /mandate-rules/{rule_id}", "customer_limit"): "amounts only, at least the limit",
    ("PUT /mandate-ceilings", "decision_type"): "an existing, active decision type",
    ("PUT /mandate-ceilings", "team_id"): "an existing team",
    ("PUT /mandate-ceilings", "limit"): "kronor or days by the decision type's kind",
    ("GET /mandates/what-if", "type"): "an existing decision type with a limit",
    ("GET /mandates/what-if", "team"): "an existing team",
    ("GET /mandates/what-if", "limit"): "above zero; whole days for a days decision",
    # An anonymous visitor gives an e-mail address, a phone number or both.
    ("POST /selfservice/conversations/{conversation_id}/contact", "email"): (
        "an e-mail address; may be left out only with a phone number"
    ),
    ("POST /selfservice/conversations/{conversation_id}/contact", "phone"): (
        "5-20 digits, spaces, +, - or parentheses"
    ),
}
"""Fields whose every value the schema allows may still be refused with other fields."""


def good_values(name: str, schema: Mapping[str, Any], nullable: bool) -> Iterator[Any]:
    """Values at the limits of what the schema allows."""
    kind = schema.get("type")
    if nullable:
        yield None
    if name in MEANINGFUL:
        yield MEANINGFUL[name]
    elif "enum" in schema or "const" in schema:
        yield from schema.get("enum", [schema.get("const")])
    elif kind == "string" and "pattern" in schema:
        assert schema["pattern"] in PATTERN_EXAMPLES, f"give examples for {schema['pattern']}"
        yield from PATTERN_EXAMPLES[schema["pattern"]]
    elif kind == "string" and "format" not in schema:
        yield "å" * max(1, schema.get("minLength", 1))
        yield "å" * schema.get("maxLength", ANY_LENGTH)
    elif kind == "integer":
        yield from (schema[limit] for limit in ("minimum", "maximum") if limit in schema)


def _allowed_role(route: tuple[str, str]) -> str:
    rule = MATRIX[route]
    return next(r for r in ("admin", "lead", "agent", "customer") if rule.expected(r) < 300)


BODY_ROUTES = [r for r in ROUTES if r[0] in ("POST", "PUT", "PATCH")]


@pytest.mark.parametrize("route", BODY_ROUTES, ids=_id)
def test_input_the_schema_allows_is_not_refused_for_its_shape(
    client: TestClient, ctx: Ctx, document: dict[str, Any], route: tuple[str, str]
) -> None:
    """Each field in turn at the limits of its schema (the longest text, each listed value,
    the smallest and largest number, null where allowed) in the matrix's request: the
    server may refuse the request for another reason, never for that field."""
    content = _operation(document, route).get("requestBody", {}).get("content", {})
    if "application/json" not in content:
        return
    schema, _ = resolve(document, content["application/json"]["schema"])
    role = _allowed_role(route)
    call: Call | None = None
    for name, prop in schema["properties"].items():
        if (_id(route), name) in RULES_BEYOND_THE_SCHEMA:
            continue
        prop_schema, nullable = resolve(document, prop)
        for value in good_values(name, prop_schema, nullable):
            ratelimit.reset()
            call = build(ctx, route, role, call)
            body = {**(call.json or {}), name: value}
            response = client.request(call.method, call.url, json=body, headers=ctx.headers(role))
            assert response.status_code < 500, response.text
            if response.status_code == 422:
                fields = [e["field"] for e in response.json().get("errors", [])]
                refused = [f for f in fields if f == name or f.startswith(f"{name}.")]
                assert not refused, (role, name, str(value)[:40], response.json()["detail"])


QUERY_ROUTES = [r for r in ROUTES if r[0] == "GET"]


@pytest.mark.parametrize("route", QUERY_ROUTES, ids=_id)
def test_query_values_the_schema_allows_are_not_refused(
    client: TestClient, ctx: Ctx, document: dict[str, Any], route: tuple[str, str]
) -> None:
    role = _allowed_role(route)
    call = build(ctx, route, role, None)
    path = call.url.partition("?")[0]
    for param in _operation(document, route).get("parameters", []):
        if param["in"] != "query" or (_id(route), param["name"]) in RULES_BEYOND_THE_SCHEMA:
            continue
        schema, _ = resolve(document, param["schema"])
        if schema.get("type") == "array":
            schema, _ = resolve(document, schema["items"])
        bounded = {"maxLength": 2000, **schema} if schema.get("type") == "string" else schema
        for value in good_values(param["name"], bounded, False):
            ratelimit.reset()
            url = f"{path}?{param['name']}={quote(str(value))}"
            response = client.get(url, headers=ctx.headers(role))
            assert response.status_code < 500, response.text
            if response.status_code == 422:
                fields = [e["field"] for e in response.json().get("errors", [])]
                assert param["name"] not in fields, (url[:80], response.json()["detail"])


# ---- (c) successful responses match their schemas ----
@pytest.mark.parametrize("route", ROUTES, ids=_id)
def test_successful_responses_match_their_declared_schemas(
    client: TestClient, ctx: Ctx, document: dict[str, Any], route: tuple[str, str]
) -> None:
    """Every operation, as a role that may call it, with the matrix's request."""
    role = _allowed_role(route)
    call = build(ctx, route, role, None)
    response = client.request(call.method, call.url, json=call.json, headers=ctx.headers(role))
    assert response.status_code < 300, (role, response.text[:300])
    path = call.url.partition("?")[0]
    assert bool(response.content) == (response.status_code != 204)
    found = Checker(document).check(
        call.method, path, response.status_code, response.headers, response.content
    )
    assert not found, found


def test_the_check_refuses_what_the_document_does_not_allow(document: dict[str, Any]) -> None:
    checker = Checker(document)
    case_url = f"{API}/cases/NA-2026-000001"
    problem = {"type": "about:blank", "title": "Not found", "status": 404, "detail": "no case"}
    raw = json.dumps(problem).encode()
    as_problem = {"content-type": PROBLEM}
    assert not checker.check("GET", case_url, 404, as_problem, raw)
    assert checker.check("GET", case_url, 409, as_problem, raw)  # not declared
    assert checker.check("GET", case_url, 404, {"content-type": "application/json"}, raw)
    extra = json.dumps({**problem, "x": 1}).encode()
    assert checker.check("GET", case_url, 404, as_problem, extra)
    assert checker.check("GET", case_url, 404, as_problem, json.dumps({"detail": "no"}).encode())
    assert checker.check("GET", case_url, 200, {"content-type": "application/json"}, b"{}")
    assert checker.check("DELETE", f"{API}/promises/1", 204, {}, b"{}")  # 204 has no body
    assert not checker.check("DELETE", case_url, 405, as_problem, raw)  # no such operation
    unauthenticated = {**problem, "status": 401, "title": "Authentication required"}
    body = json.dumps(unauthenticated).encode()
    assert checker.check("GET", case_url, 401, as_problem, body)  # no WWW-Authenticate
    assert not checker.check(
        "GET", case_url, 401, {**as_problem, "www-authenticate": 'Bearer realm="nara"'}, body
    )
