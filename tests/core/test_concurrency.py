"""The generic parts of optimistic locking (integra/core/concurrency.py): the entity tag, the
reading of If-Match (RFC 9110 §13.1.1: a strong comparison of one entity tag), the version a
plain page form posts, and the OpenAPI fragment. The checks on real records are in the tests of
each app (tests/people|intake|assessments/test_*concurrency.py)."""

from __future__ import annotations

import pytest
from django.test import RequestFactory

from integra.core.concurrency import (
    PreconditionRequired,
    StaleEdit,
    etag,
    expected_version_from_if_match,
    if_match_openapi,
    posted_version,
)


class _Row:
    row_version = 7


def _request(if_match: str | None):
    extra = {"HTTP_IF_MATCH": if_match} if if_match is not None else {}
    return RequestFactory().patch("/x", **extra)


def test_etag_is_the_quoted_version() -> None:
    assert etag(_Row()) == '"7"'  # type: ignore[arg-type]


@pytest.mark.parametrize(("value", "version"), [('"7"', 7), (' "12" ', 12), ('"1"', 1)])
def test_if_match_gives_the_version(value: str, version: int) -> None:
    assert expected_version_from_if_match(_request(value)) == version


@pytest.mark.parametrize("value", [None, "", "*"])
def test_no_version_is_a_428(value: str | None) -> None:
    with pytest.raises(PreconditionRequired) as caught:
        expected_version_from_if_match(_request(value))
    assert caught.value.status == 428
    assert caught.value.api_errors() is None


@pytest.mark.parametrize(
    "value", ['W/"7"', '"7", "8"', "7", '"x"', '"0"', '"07"', '"12345678901"', '"7']
)
def test_a_tag_not_ours_is_a_412(value: str) -> None:
    with pytest.raises(StaleEdit) as caught:
        expected_version_from_if_match(_request(value))
    assert caught.value.status == 412


@pytest.mark.parametrize(
    ("data", "version"),
    [({"row_version": "3"}, 3), ({}, 0), ({"row_version": "x"}, 0), ({"row_version": "-1"}, 0)],
)
def test_posted_version(data: dict, version: int) -> None:
    assert posted_version(data) == version


def test_openapi_fragment_is_a_fresh_copy() -> None:
    one, two = if_match_openapi(), if_match_openapi()
    one["parameters"].append("x")
    assert len(two["parameters"]) == 1
    assert set(two["responses"]) == {"412", "428"}
    assert two["parameters"][0]["name"] == "If-Match"
