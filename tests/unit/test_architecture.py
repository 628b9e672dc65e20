"""The layout keeps its promises (docs/architecture.md), read from the imports of service/.

Every import counts, those inside functions included: a module's imports are read with
`ast`, never by importing it.
"""

from __future__ import annotations

import ast
from collections.abc import Callable
from functools import cache, partial
from pathlib import Path

SERVICE = Path(__file__).resolve().parents[2] / "service"

# What does IO, or serves it: statistics/ must not need any of these.
IO_MODULES = (
    "sqlalchemy", "psycopg", "alembic", "eventsourcing", "eventsourcing_sqlalchemy",
    "fastapi", "starlette", "httpx", "uvicorn", "os", "io", "pathlib", "shutil",
    "tempfile", "socket", "subprocess", "sys", "logging", "threading", "signal",
    "openpyxl", "docx", "matplotlib", "typer", "rich",
)  # fmt: skip


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(SERVICE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


@cache
def _modules() -> dict[str, Path]:
    return {_module_name(path): path for path in SERVICE.rglob("*.py")}


@cache
def imports_of(module: str) -> frozenset[str]:
    """The modules `module` imports: a service module where one is named, else the name."""
    known = _modules()
    path = known[module]
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, *([node.module] if node.module else [])])
            for alias in node.names:
                submodule = f"{base}.{alias.name}"
                found.add(submodule if submodule in known else base)
    return frozenset(found)


def _service_graph(node_of: dict[str, str]) -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {}
    for module in _modules():
        edges = graph.setdefault(node_of[module], set())
        for imported in imports_of(module):
            if imported in node_of and node_of[imported] != node_of[module]:
                edges.add(node_of[imported])
    return graph


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """One cycle through each strongly connected group of more than one node (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    groups: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                groups.append(sorted(group))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return groups


def _folder(module: str) -> str:
    """service.<folder> for a module in a folder; a loose module of service/ is its own."""
    return ".".join(module.split(".")[:2])


def _in(module: str, package: str) -> bool:
    """True for the package itself and everything in it."""
    return module == package or module.startswith(package + ".")


def _imports(
    where: Callable[[str], bool], forbidden: Callable[[str], bool]
) -> set[tuple[str, str]]:
    """(module, what it imports) for each module `where` picks that imports a `forbidden`."""
    return {(m, i) for m in _modules() if where(m) for i in imports_of(m) if forbidden(i)}


def _service_outside(*packages: str) -> Callable[[str], bool]:
    return lambda i: i.startswith("service") and not any(_in(i, p) for p in packages)


def test_no_module_imports_itself_back_through_others() -> None:
    graph = _service_graph({m: m for m in _modules()})
    assert _cycles(graph) == []


def test_no_folder_imports_itself_back_through_others() -> None:
    graph = _service_graph({m: _folder(m) for m in _modules()})
    assert _cycles(graph) == []


def test_no_sub_folder_imports_itself_back_through_others() -> None:
    """reporting/ and render/, api/ and schemas/: one way only. The one circle allowed is
    api/ with routes/: the app includes the routers, the routes use api/deps.py."""

    def sub_folder(module: str) -> str:
        """The folder a module's file is in; a loose module of service/ is its own."""
        folder = _modules()[module].parent
        return module if folder == SERVICE else ".".join(folder.relative_to(SERVICE.parent).parts)

    graph = _service_graph({m: sub_folder(m) for m in _modules()})
    graph["service.api"].discard("service.api.routes")
    assert _cycles(graph) == []


def test_the_domain_imports_only_itself() -> None:
    in_domain = partial(_in, package="service.domain")
    assert _imports(in_domain, _service_outside("service.domain")) == set()


def test_statistics_are_pure_they_import_the_domain_and_no_io() -> None:
    outside = _service_outside("service.domain", "service.statistics")
    offending = _imports(
        partial(_in, package="service.statistics"),
        lambda i: outside(i) or i.split(".")[0] in IO_MODULES,
    )
    assert offending == set()


def test_the_report_model_and_its_renderers_import_nothing_from_the_application() -> None:
    offending = _imports(
        lambda m: _in(m, "service.reporting.render") or m == "service.reporting.model",
        lambda i: any(
            _in(i, p) for p in ("service.application", "service.adapters", "service.api")
        ),
    )
    assert offending == set()


def test_only_the_app_imports_a_route_module() -> None:
    offending = _imports(
        lambda m: m != "service.api.app", partial(_in, package="service.api.routes")
    )
    assert offending == set()


def test_the_application_does_not_handle_database_exceptions() -> None:
    offending = _imports(
        partial(_in, package="service.application"),
        lambda i: i in {"sqlalchemy.exc", "eventsourcing.persistence"},
    )
    assert offending == set()


def test_the_reader_finds_the_measures_and_the_layers_where_the_docs_say() -> None:
    for module in (
        "service.domain.principal",
        "service.statistics.definitions",
        "service.reporting.model",
        "service.reporting.render",
        "service.cli.commands",
        "service.runtime.serving",
        "service.client",  # case systems import pseudonym_for from here (docs/integration.md)
    ):
        assert module in _modules(), module
