"""/docs works without the internet: Swagger UI's files come from the service (issue 19)."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from service.api.schemas.enrollments import EnrollmentCreate


def test_docs_load_swagger_ui_from_the_service_not_a_cdn(client: TestClient) -> None:
    page = client.get("/docs")
    assert page.status_code == 200
    sources = re.findall(r'(?:src|href)="([^"]+)"', page.text)
    assert sources and all(s.startswith("/static/swagger/") for s in sources), sources
    assert "cdn" not in page.text and "https://" not in page.text
    for source in sources:
        asset = client.get(source)
        assert asset.status_code == 200, source
        assert len(asset.content) > 500, source
    assert client.get("/openapi.json").status_code == 200


def test_the_enroll_example_is_a_valid_body_with_a_pseudonym_only() -> None:
    (example,) = EnrollmentCreate.model_json_schema()["examples"]
    assert "pseudonym" in example and "personal_identity_number" not in example
    EnrollmentCreate.model_validate(example)


def test_statistics_points_at_documents_in_the_repository(client: TestClient) -> None:
    document = client.get("/openapi.json").json()
    text = str(document)
    assert "product.md" not in text
    assert "docs/statistics.md" in text and "docs/integration.md" in text
