"""The committed OpenAPI document is the public surface: it must equal the generated one."""

from __future__ import annotations

import json
from pathlib import Path

from service.api.app import openapi_document

COMMITTED = Path(__file__).resolve().parents[2] / "openapi" / "openapi.json"


def test_committed_openapi_matches_the_app() -> None:
    committed = json.loads(COMMITTED.read_text())
    assert committed == openapi_document(), (
        "openapi/openapi.json is stale: run `python -m service dump-openapi > openapi/openapi.json`"
    )


def test_every_route_has_a_description() -> None:
    for path, operations in openapi_document()["paths"].items():
        for method, operation in operations.items():
            assert operation.get("description") or operation.get("summary"), (method, path)


def undescribed(node: object, path: str = "") -> list[str]:
    """Every property, at any depth of `node`, without a description."""
    found = []
    if isinstance(node, dict):
        for name, schema in (node.get("properties") or {}).items():
            if isinstance(schema, dict) and not schema.get("description"):
                found.append(f"{path}.{name}")
        for key, child in node.items():
            found += undescribed(child, f"{path}/{key}")
    elif isinstance(node, list):
        for index, child in enumerate(node):
            found += undescribed(child, f"{path}/{index}")
    return found


def test_every_schema_property_has_a_description() -> None:
    components = openapi_document()["components"]
    assert len(components["schemas"]) > 30  # the walk sees the request and answer models
    assert not undescribed(components), undescribed(components)


def test_the_statistics_answer_is_described() -> None:
    document = openapi_document()
    answer = document["paths"]["/api/v1/associations/{aid}/statistics"]["get"]["responses"]
    schema = answer["200"]["content"]["application/json"]["schema"]
    assert schema == {"$ref": "#/components/schemas/StatisticsAnswer"}
    properties = document["components"]["schemas"]["StatisticsAnswer"]["properties"]
    assert set(properties) == {
        "association", "period", "as_of", "settings", "disclosure", "interventions", "total",
        "suppressed",
    }  # fmt: skip


def test_the_statistics_answer_model_fits_a_real_answer() -> None:
    from datetime import date

    from service.api.schemas.statistics import StatisticsAnswer
    from service.domain.facts import InterventionInfo, Period, ReportingRules
    from service.statistics.answer import AnswerInputs, build_statistics_answer

    team = InterventionInfo("team", "Team", "individual", date(2020, 1, 1))
    answer = build_statistics_answer(
        AnswerInputs("a", Period.year(2024), ReportingRules(), [team], [])
    )
    assert set(answer) == {f.alias or n for n, f in StatisticsAnswer.model_fields.items()}
    StatisticsAnswer.model_validate(answer)
