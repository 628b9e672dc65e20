"""The operator's accountability commands (product.md §12): `audit export`, `erase`,
`gallra`. Each command that changes data writes its audit entry (action = its name)."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    from service.bootstrap import Container

audit_app = typer.Typer(help="Granskningsloggen.", no_args_is_help=True)


_opener: list[Callable[[], Container]] = []  # commands.open_container, given by register()


def _open() -> Container:
    return _opener[0]()


def record(container: Container, command: str, association: str | None, status: int) -> None:
    """The command's audit entry; a command whose entry cannot be written fails."""
    container.audit.record_command(command, association_id=association, status=status)


@audit_app.command(
    "export", help="Skriv ut granskningsloggen som JSON-rader på standard ut, äldst först."
)
def audit_export(
    association: Annotated[str | None, typer.Option(help="bara ett förbunds poster")] = None,
    from_: Annotated[
        datetime | None,
        typer.Option("--from", help="första dagen (UTC), ÅÅÅÅ-MM-DD", formats=["%Y-%m-%d"]),
    ] = None,
    to: Annotated[
        datetime | None,
        typer.Option(help="sista dagen (UTC), medräknad, ÅÅÅÅ-MM-DD", formats=["%Y-%m-%d"]),
    ] = None,
) -> None:
    """Print the audit log as JSON lines on stdout, oldest first."""
    container = _open()
    try:
        with container.audit.command("audit export", association_id=association):
            start = from_.replace(tzinfo=UTC) if from_ else None
            end = datetime.combine(to.date() + timedelta(days=1), time(), UTC) if to else None
            for row in container.audit.export(association, start, end):
                sys.stdout.write(json.dumps(row, default=_iso, ensure_ascii=False) + "\n")
    finally:
        container.close()


def _iso(value: object) -> str:
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    raise TypeError(type(value).__name__)


def erase(
    association: Annotated[str, typer.Option(help="förbundets id")],
    pseudonym: Annotated[str | None, typer.Option(help="personens pseudonym")] = None,
    personnummer_from_stdin: Annotated[
        bool, typer.Option(help="läs personnumret från stdin (pseudonymiseras här)")
    ] = False,
) -> None:
    """Erase every event of one person's enrollments in one association."""
    from service.application.audit import operator_name
    from service.domain.errors import DomainError
    from service.domain.pseudonym import pseudonymise

    if (pseudonym is None) == (not personnummer_from_stdin):
        typer.echo("Ange antingen --pseudonym eller --personnummer-from-stdin.", err=True)
        raise typer.Exit(2)
    container = _open()
    try:
        # The entry commits with the first removal (docs/decisions.md §22).
        with container.audit.command("erase", association_id=association):
            if pseudonym is None:
                from service.adapters.secrets_file import PseudonymKeys

                settings = container.settings
                keys = PseudonymKeys(settings.secrets_file, settings.pseudonym_key)
                try:
                    identity = pseudonymise(
                        keys.key_for(association), sys.stdin.readline().strip(), date.today()
                    )
                except DomainError:
                    typer.echo("Inget giltigt personnummer på stdin.", err=True)
                    raise typer.Exit(1) from None
                pseudonym = identity.pseudonym
            plan = container.removal.plan_erasure(association, pseudonym)
            done = container.removal.carry_out(plan, kind="erasure", operator=operator_name())
            typer.echo(
                f"Klart: {len(done.enrollments)} inskrivningar, {done.events} händelser "
                f"raderade; {done.stored_years} publicerade år sparade.",
                err=True,
            )
            if not _space_reclaimed(container):
                raise typer.Exit(1)  # the command's audit entry gets status 1
    finally:
        container.close()


def _space_reclaimed(container: Container) -> bool:
    """Whether the removed rows are gone from the database files' bytes; if not, says so
    and what to do."""
    from service.adapters.removal import SpaceNotReclaimedError

    try:
        container.removal.reclaim_space()
    except SpaceNotReclaimedError:
        typer.echo(
            "Det som togs bort är borta ur tjänsten men kan finnas kvar i databasfilerna på "
            "disken: en annan process (en import eller en statistikfråga) läste databasen "
            "samtidigt. Kör `python -m service gallra` igen när inget annat körs.",
            err=True,
        )
        return False
    return True


def gallra(
    dry_run: Annotated[bool, typer.Option(help="visa vad som skulle gallras, ändra inget")] = False,
) -> None:
    """Remove event-level data older than each association's retention_years_after_exit,
    and audit-log entries older than the operator's audit_retention_years."""
    from service.application.audit import operator_name

    container = _open()
    try:
        plans = container.removal.plan_gallring()
        for plan in plans:
            if not dry_run:
                # The entry commits with the association's first removal (decisions §22).
                with container.audit.command("gallra", association_id=plan.association_id):
                    container.removal.carry_out(plan, kind="gallring", operator=operator_name())
            counts = plan.counts()
            verb = "skulle gallras" if dry_run else "gallrade"
            typer.echo(
                f"{plan.association_id}: {plan.rule}; {counts['enrollments']} inskrivningar, "
                f"{counts['count_reports']} rapporter {verb}.",
                err=True,
            )
        years = container.settings.audit_retention_years
        if years is not None:
            _gallra_audit_log(container, years, dry_run)
        if not dry_run:
            if not _space_reclaimed(container):
                record(container, "gallra", None, 1)
                raise typer.Exit(1)
            if not plans and years is None:
                record(container, "gallra", None, 0)
    finally:
        container.close()


def _gallra_audit_log(container: Container, years: int, dry_run: bool) -> None:
    """The audit log's own retention: entries recorded before `years` years ago."""
    from service.application.removal import cutoff_date

    today = datetime.now(UTC).date()
    cutoff = datetime.combine(cutoff_date(today, years), time(), UTC)
    if dry_run:
        removed = container.audit.older_than(cutoff)
    else:
        with container.audit.command("gallra"):
            removed = container.audit.remove_older_than(cutoff)
    verb = "skulle gallras" if dry_run else "gallrade"
    typer.echo(
        f"granskningsloggen: audit_retention_years={years}: före {cutoff.date().isoformat()}; "
        f"{removed} poster {verb}.",
        err=True,
    )


def register(app: typer.Typer, open_container: Callable[[], Container]) -> None:
    """Add the commands to `python -m service`, opening the service with `open_container`."""
    _opener[:] = [open_container]
    app.add_typer(audit_app, name="audit")
    app.command(help="Radera alla händelser i en persons inskrivningar i ett förbund.")(erase)
    app.command(
        help="Gallra händelsedata äldre än varje förbunds retention_years_after_exit "
        "(publicerade årssvar sparas)."
    )(gallra)
