"""The operator's command line: `python -m service ...`."""

from __future__ import annotations

import json
import sys
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from service.cli.swedish_help import use_swedish
from service.config import Settings

if TYPE_CHECKING:
    from service.bootstrap import Container


def open_container() -> Container:
    """The service on the configured database, or a clear message and exit code 2."""
    from service.adapters.migrations import SchemaMismatchError
    from service.bootstrap import bootstrap

    try:
        return bootstrap()
    except SchemaMismatchError as error:
        typer.echo(f"Kan inte starta: {error}", err=True)
        raise typer.Exit(2) from None


def log_to_stderr(settings: Settings) -> None:
    """The service's own log lines, in uvicorn's format, on standard error, with
    PostgreSQL's error texts left out (adapters/log_redaction.py)."""
    import logging

    from service.adapters.log_redaction import redact_database_errors_in_logs

    logging.basicConfig(
        level=settings.log_level.upper(), format="%(levelname)s:  %(name)s: %(message)s"
    )
    redact_database_errors_in_logs()


use_swedish()
app = typer.Typer(
    help="Uppföljning: uppföljning av samordningsförbundens insatser.",
    no_args_is_help=True,
    add_completion=False,
    # A traceback's local variables can hold event data (an import's rows, a body).
    pretty_exceptions_show_locals=False,
)


def main() -> None:
    """`python -m service`: the commands, with PostgreSQL's error texts kept out of
    whatever they print about an unexpected error (adapters/log_redaction.py)."""
    from service.adapters.log_redaction import printing_redacted, redact_database_errors_in_logs

    redact_database_errors_in_logs()  # one-shot commands log without configuring logging
    try:
        app()
    except Exception:
        # Typer's own hook prints what escapes a command; it is handed the redacted error,
        # with Typer's marker, so that it prints it as it prints any error of a command.
        marker = getattr(typer.main, "_typer_developer_exception_attr_name", "")
        sys.excepthook = printing_redacted(sys.excepthook, keep=(marker,) if marker else ())
        raise


@app.command(help="Uppgradera databasen i UPPFOLJNING_DATABASE_URL till senaste schemaversion.")
def migrate() -> None:
    """Apply the database migrations (Alembic) to UPPFOLJNING_DATABASE_URL."""
    from service.adapters.migrations import upgrade_to_head
    from service.bootstrap import _ensure_sqlite_folder

    settings = Settings()
    if settings.is_sqlite:
        _ensure_sqlite_folder(settings.database_url)
    upgrade_to_head(settings.database_url)
    typer.echo("Databasen är migrerad till senaste version.", err=True)


@app.command(
    help="Starta tjänsten: API:t i processer som tar emot anrop och en process som håller "
    "läsmodellerna i fas. Startar inte mot en databas som inte är migrerad."
)
def serve(
    host: Annotated[str, typer.Option(help="adressen att lyssna på")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="porten att lyssna på")] = 8000,
    workers: Annotated[
        int | None,
        typer.Option(
            min=1, max=64, help="antal processer som tar emot anrop (standard UPPFOLJNING_WORKERS)"
        ),
    ] = None,
) -> None:
    """Serve the API: request workers and a projection process; refuses an unmigrated database."""
    from service.runtime.serving import supervise_server
    from service.runtime.stop_signals import StopSignals

    # First of all: as a container's PID 1 a signal without a handler is ignored.
    signals = StopSignals()
    signals.install()
    container = open_container()
    log_to_stderr(container.settings)
    _check_the_app_builds(container)
    status = supervise_server(container, host, port, workers or container.settings.workers, signals)
    raise typer.Exit(status)


def _check_the_app_builds(container: Container) -> None:
    """Import and build the app once here, so that a broken installation fails at start
    with its traceback, rather than in every worker after the supervisor has started."""
    from service.api.app import create_app

    create_app(container).build_middleware_stack()


@app.command(
    "serve-worker", hidden=True, help="En av serve:s processer; stannar när standard in tar slut."
)
def serve_worker(
    fd: Annotated[int, typer.Option(help="den lyssnande socket som serve lämnar över")],
    ready_fd: Annotated[
        int | None, typer.Option(help="ett rör att skriva en byte till när processen är redo")
    ] = None,
) -> None:
    """One request worker of `serve`; stops when its standard input ends."""
    from service.api.app import create_app
    from service.runtime.serving import run_worker

    container = open_container()
    log_to_stderr(container.settings)
    # The supervisor caught up before it started the workers, and the projection child
    # keeps up; a worker restarted later must not hold SQLite's lock for a long catch-up.
    app = create_app(container, catch_up_at_start=False)
    run_worker(app, fd, container.settings.log_level, ready_fd)


@app.command(
    help="Håll läsmodellerna i fas med händelselagret tills processen stoppas (SIGTERM, Ctrl-C)."
)
def project(
    until_stdin_closes: Annotated[
        bool, typer.Option(help="stanna också när standard in tar slut (så kör serve den)")
    ] = False,
) -> None:
    """Keep the read models caught up with the event store until stopped (SIGTERM, Ctrl-C)."""
    from service.adapters.projection import Projector
    from service.gc_pause import freeze_startup_objects
    from service.runtime.child_process import stop_when_closed
    from service.runtime.projection_worker import follow, projection_pace
    from service.runtime.stop_signals import StopSignals

    container = open_container()
    log_to_stderr(container.settings)
    signals = StopSignals()
    signals.install()
    stopping = signals.stopping
    if until_stdin_closes:
        stop_when_closed(sys.stdin.buffer, stopping.set)
    # On SQLite the projection shares the one write lock with every writer: small batches
    # and rests between them keep an import from waiting long (projection_worker.py).
    batch_size, pause = projection_pace(container.settings.is_sqlite)
    projector = Projector(container.store, batch_size=batch_size)
    freeze_startup_objects()
    follow(projector, container.settings.projection_poll_seconds, stopping, pause)


@app.command("create-key", help="Skriv ut en ny systemnyckel, en enda gång, ensam på standard ut.")
def create_key(
    role: Annotated[
        str, typer.Option(help="nyckelns roll; här bara system_admin, övriga via API:t")
    ] = "system_admin",
    name: Annotated[str, typer.Option(help="nyckelns namn, t.ex. vem som använder den")] = (
        "operator"
    ),
) -> None:
    """Print a new system key, once, alone on stdout."""
    from service.adapters import keys
    from service.adapters.eventstore import unit_of_work

    if role != "system_admin":
        typer.echo("Endast system_admin-nycklar skapas här; övriga via API:t.", err=True)
        raise typer.Exit(2)
    from service.domain.personnummer_guard import MESSAGE, contains_identity_number

    if contains_identity_number(name):  # the API's rule for key names (issue 17)
        typer.echo(f"--name {MESSAGE}.", err=True)
        raise typer.Exit(2)
    container = open_container()
    try:
        with container.audit.command("create-key"), unit_of_work(container.store) as session:
            _, key = keys.create_key(
                session, name=name, role=role, association_id=None, interventions=[],
                created_by=None,
            )  # fmt: skip
    finally:
        container.close()
    sys.stdout.write(key + "\n")


@app.command(
    "list-keys",
    help="Lista alla API-nycklar (id, förbund, namn, roll, insatser, när skapad och "
    "återkallad). Nycklarnas hemligheter sparas aldrig.",
)
def list_keys() -> None:
    """List every API key (id, owner, role, state); secrets are never stored."""
    from rich.console import Console
    from rich.table import Table

    from service.adapters import keys
    from service.adapters.eventstore import read_session

    container = open_container()
    with read_session(container.store) as session:
        rows = keys.list_keys(session)
    container.close()
    table = Table("Nyckel-id", "Förbund", "Namn", "Roll", "Insatser", "Skapad", "Återkallad")
    for row in rows:
        table.add_row(
            row["id"],
            row["association_id"] or "(system)",
            row["name"],
            row["role"],
            ", ".join(row["interventions"]),
            f"{row['created_at']:%Y-%m-%d %H:%M}",
            f"{row['revoked_at']:%Y-%m-%d %H:%M}" if row["revoked_at"] else "",
        )
    console = Console()
    # Piped output (to grep, a file) is not wrapped at 80 columns: ids stay whole.
    (console if console.is_terminal else Console(width=200)).print(table)
    Console(stderr=True).print(f"{len(rows)} nycklar.")


@app.command(
    "revoke-key",
    help="Återkalla en API-nyckel direkt (en systemnyckel när --association utelämnas).",
)
def revoke_key(
    key_id: Annotated[str, typer.Argument(help="nyckelns id (delen efter upf_)")],
    association: Annotated[
        str | None, typer.Option(help="förbundets id; utelämna för en systemnyckel")
    ] = None,
) -> None:
    """Revoke an API key at once (a system key when no --association is given)."""
    from service.adapters import keys
    from service.adapters.eventstore import unit_of_work

    container = open_container()
    with container.audit.command("revoke-key", association_id=association) as outcome:
        with unit_of_work(container.store) as session:
            revoked = keys.revoke_key(session, association, key_id)
        outcome.status = int(not revoked)
    container.close()
    if not revoked:
        typer.echo(f"Ingen aktiv nyckel {key_id} hittades.", err=True)
        raise typer.Exit(1)
    typer.echo(f"Nyckel {key_id} är återkallad.", err=True)


@app.command(
    "dump-openapi",
    help="Skriv ut OpenAPI-dokumentet (incheckat som openapi/openapi.json) på standard ut.",
)
def dump_openapi() -> None:
    """Print the OpenAPI document (committed as openapi/openapi.json)."""
    from service.api.app import openapi_document

    sys.stdout.write(json.dumps(openapi_document(), indent=2, ensure_ascii=False) + "\n")


@app.command(
    help="Bygg om alla läsmodeller från händelselagret och kontrollera att de blir "
    "desamma som de levande."
)
def rebuild() -> None:
    """Rebuild every read model from the event store and verify it equals the live one."""
    from service.cli.rebuild import run_rebuild

    raise typer.Exit(run_rebuild())


@app.command(
    help="Räkna fram pseudonymer lokalt ur personnummer (som argument, eller ett per rad "
    "på standard in). Personnumren lämnar aldrig datorn."
)
def pseudonymise(
    key_file: Annotated[Path, typer.Option(help="huvudmannens nyckelfil")],
    number: Annotated[
        str | None, typer.Argument(help="personnumret; utelämna för att läsa standard in")
    ] = None,
) -> None:
    """Compute pseudonyms locally from personnummer (argument or one per line on stdin)."""
    from service.cli.client import load_key, pseudonym_for
    from service.domain.errors import DomainError

    key = load_key(key_file)
    numbers = [number] if number else [line.strip() for line in sys.stdin if line.strip()]
    failed = 0
    for line_number, each in enumerate(numbers, start=1):
        try:
            sys.stdout.write(pseudonym_for(key, each, today=date.today()) + "\n")
        except DomainError:
            # Never echo the number itself: say which line was refused.
            failed += 1
            sys.stdout.write("\n")
            typer.echo(f"Rad {line_number}: inget giltigt personnummer.", err=True)
    if failed:
        raise typer.Exit(1)


@app.command(
    "new-key-file",
    help="Skapa en huvudmans nyckelfil för pseudonymisering hos klienten (skriver aldrig "
    "över en befintlig fil).",
)
def new_key_file(path: Annotated[Path, typer.Argument(help="filen som ska skapas")]) -> None:
    """Create a huvudman key file for client-side pseudonymisation (never overwrites)."""
    from service.cli.client import new_key_file as write_key_file

    try:
        write_key_file(path)
    except FileExistsError:
        typer.echo(f"{path} finns redan; en ny nyckel skulle ge nya pseudonymer.", err=True)
        raise typer.Exit(1) from None
    typer.echo(f"Skapade {path} (läsbar endast för dig). Förvara den som en hemlighet.", err=True)


@app.command(help="Skriv årsredovisningsexporten för ett förbund och ett år till en fil.")
def export(
    association: Annotated[str, typer.Option(help="förbundets id")],
    year: Annotated[int, typer.Option(help="redovisningsåret")],
    format: Annotated[str, typer.Option(help="xlsx, docx, csv, json eller html")] = "xlsx",
    out: Annotated[
        Path | None,
        typer.Option(help="filen som skrivs (standard: uppfoljning-FÖRBUND-ÅR.FORMAT)"),
    ] = None,
    as_of: Annotated[
        datetime | None,
        typer.Option(help="bara händelser registrerade till och med denna tidpunkt (ISO 8601)"),
    ] = None,
) -> None:
    """Write the annual export of an association and year to a file."""
    from rich.console import Console

    from service.cli.messages import command_error
    from service.domain.errors import DomainError

    console = Console(stderr=True)
    container = open_container()
    period = (date(year, 1, 1), date(year, 12, 31))
    try:
        with container.audit.command("export", association_id=association, period=period):
            try:
                with console.status(f"Räknar fram årsredovisningens tabeller för {year} ..."):
                    content, _, extension = container.annual_exports.export(
                        association, year, format, as_of
                    )
            except DomainError as error:
                console.print(f"Fel: {command_error(error, association)}", markup=False)
                raise typer.Exit(1) from None
    finally:
        container.close()
    target = out or Path(f"uppfoljning-{association}-{year}.{extension}")
    target.write_bytes(content)
    console.print(f"Klart: skrev {target} ({len(content):,} byte).".replace(",", " "))


@app.command(
    "import",
    help="Läs in historik från en fil, händelse för händelse, med samma regler som "
    "batch-anropet. Kan köras om: redan inlästa händelser läses inte in igen.",
)
def import_events(
    association: Annotated[str, typer.Option(help="förbundets id")],
    file: Annotated[Path, typer.Argument(help='batch-JSON ({"events": [...]}) eller JSON Lines')],
) -> None:
    """Import history from a file, event by event as the batch endpoint applies them."""
    from rich.console import Console

    from service.cli.import_events import run_import
    from service.cli.messages import command_error, unreadable_file
    from service.domain.errors import DomainError
    from service.gc_pause import freeze_startup_objects

    console = Console(stderr=True)
    container = open_container()
    freeze_startup_objects()
    try:
        with container.audit.command("import", association_id=association) as ran:
            try:
                statuses, refused = run_import(container, association, file, console)
            except DomainError as error:
                console.print(f"Fel: {command_error(error, association)}", markup=False)
                raise typer.Exit(1) from None
            ran.status = int(bool(refused))
    except (OSError, ValueError) as error:
        console.print(f"Fel: kan inte läsa {file}: {unreadable_file(error)}", markup=False)
        raise typer.Exit(1) from None
    finally:
        container.close()
    for outcome in refused:
        console.print(outcome.swedish, highlight=False, markup=False, soft_wrap=True)
    created, replayed = statuses.get(201, 0), statuses.get(200, 0)
    console.print(
        f"Klart: {created} nya händelser, {replayed} redan inlästa, {len(refused)} avvisade."
    )
    if refused:
        raise typer.Exit(1)


@app.command(help="Läs in ett realistiskt exempelförbund och skriv ut dess årstabell.")
def demo() -> None:
    """Load a realistic example förbund and print its annual table."""
    from service.cli.demo import run_demo

    run_demo()


def _register_accountability() -> None:
    from service.cli.accountability import register

    register(app, open_container)


_register_accountability()
