"""Helpers for the vendor API and shipping webhook tests: keys, row counts, and a
check of real responses against the OpenAPI document."""

from __future__ import annotations

import json
from typing import Any

from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012
from sqlalchemy import func, select

from bot.api.openapi import document
from bot.runtime import Runtime
from store.apikeys import create_key
from store.db import unit_of_work
from store.models import Base
from store.queries import business_by_code

DOC_URI = "urn:orderbot:openapi"


def new_key(runtime: Runtime, code: str = "AK") -> str:
    with unit_of_work(runtime.sessions) as session:
        return create_key(session, business_by_code(session, code))


def bearer(key: str, **headers: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}", **headers}


class ApiClient:
    """POST/GET against /api/v1 as the business `code`, or (`code=`) as another, each
    with its own key made on first use."""

    def __init__(self, client: Any, runtime: Runtime, code: str) -> None:
        self.client, self.runtime, self.code = client, runtime, code
        self.keys: dict[str, str] = {code: new_key(runtime, code)}

    def key(self, code: str | None = None) -> str:
        code = code or self.code
        if code not in self.keys:
            self.keys[code] = new_key(self.runtime, code)
        return self.keys[code]

    def post(self, path: str, body: Any = None, raw: str | None = None, *,
             code: str | None = None, **headers: str) -> Any:
        data = raw if raw is not None else json.dumps(body)
        return self.client.post(f"/api/v1{path}", data=data,
                                headers=bearer(self.key(code), **headers),
                                content_type="application/json")

    def get(self, path: str, *, code: str | None = None, **headers: str) -> Any:
        return self.client.get(f"/api/v1{path}", headers=bearer(self.key(code), **headers))


def row_counts(runtime: Runtime) -> dict[str, int]:
    """Rows in every table: what "nothing written" is checked against."""
    with unit_of_work(runtime.sessions) as session:
        return {
            table.name: session.scalar(select(func.count()).select_from(table))
            for table in Base.metadata.sorted_tables
        }


def _pointer(*parts: str) -> str:
    return "/".join(p.replace("~", "~0").replace("/", "~1") for p in parts)


def validator_at(*parts: str) -> Draft202012Validator:
    """A validator for the schema at that place in the OpenAPI document (its $refs
    resolved within the document)."""
    registry = Registry().with_resource(
        DOC_URI, Resource.from_contents(document(), default_specification=DRAFT202012)
    )
    return Draft202012Validator({"$ref": f"{DOC_URI}#/{_pointer(*parts)}"}, registry=registry)


def assert_documented(response: Any, path: str, method: str) -> None:
    """The response's status is documented for that operation and its body fits the schema."""
    operation = document()["paths"][path][method]
    status = str(response.status_code)
    assert status in operation["responses"], f"{method} {path} -> undocumented {status}"
    validator_at(
        "paths", path, method, "responses", status, "content", "application/json", "schema"
    ).validate(response.get_json())


def assert_refused(api: ApiClient, path: str, body: Any, status: int, code: str,
                   field: str | None) -> None:
    """POST `body` (a str: sent as it is) and expect the refusal, worded, with nothing
    written."""
    before = row_counts(api.runtime)
    raw = body if isinstance(body, str) else None
    response = api.post(path, body, raw=raw, **{"Idempotency-Key": f"k-{code}"})
    assert response.status_code == status, response.get_json()
    error = response.json["error"]
    assert error["code"] == code and error.get("field") == field
    assert error["message"] and "{" not in error["message"]
    assert row_counts(api.runtime) == before
