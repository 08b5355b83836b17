"""Check API responses against the OpenAPI document.

``tests/conftest.py`` hooks ``check_response`` into the test client, so every response
under /api/v1 that any test receives must be one its operation declares: the status is
listed, the content type is the declared one (problem+json for errors) and the body
validates against the declared schema; declared headers (WWW-Authenticate on 401,
Retry-After on 429) are there.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from fastapi import FastAPI
from jsonschema import Draft202012Validator

API = "/api/v1"
PROBLEM = "application/problem+json"


@dataclass(frozen=True)
class Operation:
    key: str  # "METHOD /path" under /api/v1, as in nara.web.openapi.DECLARED
    pattern: re.Pattern[str]
    literal_segments: int
    spec: Mapping[str, Any]


class Checker:
    def __init__(self, document: Mapping[str, Any]) -> None:
        self.document = document
        self._operations: dict[str, list[Operation]] = {}
        for path, item in document["paths"].items():
            if not path.startswith(API):
                continue
            regex = re.sub(r"\\\{[^/]+?\\\}", "[^/]+", re.escape(path))
            literal = sum(1 for part in path.split("/") if part and not part.startswith("{"))
            for method, spec in item.items():
                key = f"{method.upper()} {path.removeprefix(API)}"
                operation = Operation(key, re.compile(f"^{regex}$"), literal, spec)
                self._operations.setdefault(method.upper(), []).append(operation)
        for candidates in self._operations.values():
            candidates.sort(key=lambda o: -o.literal_segments)
        self._validators: dict[str, Draft202012Validator] = {}

    def operation(self, method: str, path: str) -> Operation | None:
        for candidate in self._operations.get(method.upper(), []):
            if candidate.pattern.match(path):
                return candidate
        return None

    def validator(self, schema: Mapping[str, Any]) -> Draft202012Validator:
        key = repr(schema)
        if key not in self._validators:
            root = {**schema, "components": self.document["components"]}
            self._validators[key] = Draft202012Validator(root)
        return self._validators[key]

    def schema_errors(self, schema: Mapping[str, Any], body: Any) -> list[str]:
        found = self.validator(schema).iter_errors(body)
        return [f"{'/'.join(map(str, e.absolute_path)) or '(body)'}: {e.message}" for e in found]

    def check(
        self, method: str, path: str, status: int, headers: Mapping[str, str], body: bytes
    ) -> list[str]:
        """What is wrong with this response, as far as the document says (empty: nothing).
        ``headers`` are looked up in lower case."""
        operation = self.operation(method, path)
        if operation is None or status >= 500:
            return []  # no such operation (404 or 405 from the router), or a server error
        responses = operation.spec["responses"]
        declared = responses.get(str(status))
        where = f"{operation.key} answered {status}"
        if declared is None:
            return [
                f"{where}, which the OpenAPI document does not declare (it declares "
                f"{', '.join(responses)}); declare it in nara.web.openapi.DECLARED"
            ]
        missing = [h for h in declared.get("headers", {}) if h.lower() not in headers]
        if missing:
            return [f"{where} without the declared header(s) {', '.join(missing)}"]
        content = declared.get("content")
        if not content:
            return [f"{where} with a body, but declares none"] if body else []
        media_type = headers.get("content-type", "").split(";")[0].strip()
        if media_type not in content:
            return [f"{where} as {media_type!r}, but declares {', '.join(content)}"]
        schema = content[media_type].get("schema") or {}
        if not media_type.endswith("json"):  # text (CSV): the document says only "a string"
            return [] if schema.get("type") == "string" else [f"{where}: not a text response"]
        try:
            parsed = json.loads(body)
        except ValueError:
            return [f"{where} with a body that is not JSON: {body[:200]!r}"]
        return [f"{where}: {error}" for error in self.schema_errors(schema, parsed)]


_CHECKERS: dict[int, Checker] = {}


def checker_for(app: FastAPI) -> Checker:
    """The checker of the app's document (the same for every app of a run: made once)."""
    if not _CHECKERS:
        _CHECKERS[0] = Checker(app.openapi())
    return _CHECKERS[0]


def check_response(app: FastAPI) -> Any:
    """A response hook for the test client: fail on a response the document does not allow."""
    checker = checker_for(app)

    def hook(response: Any) -> None:
        request = response.request
        if not request.url.path.startswith(API) or request.method in ("HEAD", "OPTIONS"):
            return
        response.read()
        problems = checker.check(
            request.method,
            request.url.path,
            response.status_code,
            response.headers,
            response.content,
        )
        assert not problems, "\n".join(problems) + f"\nbody: {response.text[:500]}"

    return hook
