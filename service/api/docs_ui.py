"""/docs served without the internet: Swagger UI's files come from the service itself.

FastAPI's default page loads Swagger UI from a CDN: a blank page without internet, and a
third-party script in a public-sector tool. The files are those of the swagger-ui-bundle
package (Apache-2.0), mounted at /static/swagger.
"""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles
from swagger_ui_bundle import swagger_ui_path

STATIC = "/static/swagger"


def install_docs(app: FastAPI) -> None:
    """Serve /docs (Swagger UI) from the service's own static files."""
    app.mount(STATIC, StaticFiles(directory=swagger_ui_path), name="swagger-ui")

    @app.get("/docs", include_in_schema=False)
    def docs() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url=app.openapi_url or "/openapi.json",
            title=f"{app.title} – dokumentation",
            swagger_js_url=f"{STATIC}/swagger-ui-bundle.js",
            swagger_css_url=f"{STATIC}/swagger-ui.css",
            swagger_favicon_url=f"{STATIC}/favicon-32x32.png",
        )
