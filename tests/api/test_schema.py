"""The OpenAPI document is usable by generated clients: ASCII names, one media type per response, closed bodies."""

import pytest

from indicators.models import Indicator


@pytest.fixture
def schema(anon):
    return anon.get("/api/v1/schema/?format=json").json()


def operations(schema):
    for path, ops in schema["paths"].items():
        for method, op in ops.items():
            yield path, method, op


def test_operation_ids_and_component_names_are_ascii(schema):
    ids = [op["operationId"] for _p, _m, op in operations(schema)]
    assert all(i.isascii() and i.isidentifier() for i in ids), ids
    assert len(set(ids)) == len(ids)
    assert all(name.isascii() for name in schema["components"]["schemas"])


def test_no_vietnamese_titles_that_would_become_class_names(schema):
    def titles(node):
        if isinstance(node, dict):
            yield from ([node["title"]] if isinstance(node.get("title"), str) else [])  # not a property named title
            for v in node.values():
                yield from titles(v)
        elif isinstance(node, list):
            for v in node:
                yield from titles(v)

    assert list(titles(schema["paths"])) == [] and list(titles(schema["components"])) == []


def test_a_property_named_title_keeps_its_schema(schema):
    """Stripping labels must not strip an activity's or a campaign's `title` field: a client would send anything."""
    components = schema["components"]["schemas"]
    row = components["ActivityRowRequest"]
    assert "title" in row["required"]
    assert row["properties"]["title"] == {"type": "string", "minLength": 1, "maxLength": 300, "pattern": "^[^\\u0000]*$"}
    assert components["Activity"]["properties"]["title"]["type"] == "string"
    assert components["Campaign"]["properties"]["title"]["type"] == "string"


def test_every_response_declares_one_media_type(schema):
    for path, method, op in operations(schema):
        for code, response in op["responses"].items():
            assert len(response.get("content", {})) <= 1, (method, path, code)
    csv = schema["paths"]["/api/v1/values/csv/"]["get"]["responses"]["200"]["content"]
    assert list(csv) == ["text/csv"]
    assert list(schema["paths"]["/api/v1/values/"]["get"]["responses"]["200"]["content"]) == ["application/json"]


def test_indicator_codes_are_enumerated_from_the_catalogue(schema):
    codes = sorted(Indicator.objects.values_list("code", flat=True))
    params = {p["name"]: p["schema"] for p in schema["paths"]["/api/v1/values/"]["get"]["parameters"]}
    assert params["indicator"]["enum"] == codes
    agg = {p["name"]: p for p in schema["paths"]["/api/v1/aggregates/"]["get"]["parameters"]}
    assert agg["indicator"]["schema"] == {"type": "array", "items": {"type": "string", "enum": codes}}
    assert schema["components"]["schemas"]["ValueRowRequest"]["properties"]["indicator"]["enum"] == codes


def test_request_bodies_are_closed_and_years_bounded(schema):
    for name, component in schema["components"]["schemas"].items():
        if name.endswith("Request"):
            assert component["additionalProperties"] is False, name
    year = next(p for p in schema["paths"]["/api/v1/reports/annual/{year}/"]["get"]["parameters"] if p["name"] == "year")
    assert (year["schema"]["minimum"], year["schema"]["maximum"]) == (2000, 2100)


def test_a_new_indicator_is_in_the_next_schema(anon):
    Indicator.objects.filter(code="website_articles").update(code="website_articles_v2")
    schema = anon.get("/api/v1/schema/?format=json").json()
    params = {p["name"]: p["schema"] for p in schema["paths"]["/api/v1/values/"]["get"]["parameters"]}
    assert "website_articles_v2" in params["indicator"]["enum"] and "website_articles" not in params["indicator"]["enum"]
