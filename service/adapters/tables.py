"""Every table of the service, as SQLAlchemy metadata: the target Alembic migrates to.

Read-model tables are bitemporal: a row holds from `recorded_from` until `recorded_to`
(NULL = current), so "as of" answers are a filter, not a replay. Times are naive UTC.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    Date,
    DateTime,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
)
from sqlalchemy_utils.types.uuid import UUIDType

metadata = MetaData()

EVENTS_TABLE = "uppfoljning_events"

# The event store, exactly as eventsourcing-sqlalchemy's application recorder expects it.
events = Table(
    EVENTS_TABLE,
    metadata,
    Column(
        "id", BigInteger().with_variant(Integer(), "sqlite"), primary_key=True, autoincrement=True
    ),
    Column("originator_id", UUIDType(), nullable=False),
    Column("originator_version", BigInteger().with_variant(Integer(), "sqlite"), nullable=False),
    Column("topic", Text(), nullable=False),
    Column("state", LargeBinary(), nullable=False),
    Index("stored_aggregate_event_index", "originator_id", "originator_version", unique=True),
    # SQLite would otherwise reuse the id of a deleted newest event (gallring, erasure),
    # which the projection has passed already (migration 0008).
    sqlite_autoincrement=True,
)

api_keys = Table(
    "api_keys",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("association_id", String(64), nullable=True, index=True),
    Column("name", String(200), nullable=False),
    Column("role", String(32), nullable=False),
    Column("interventions", JSON, nullable=False),
    Column("secret_hash", String(128), nullable=False),
    Column("created_at", DateTime(), nullable=False),
    Column("created_by", String(36), nullable=True),
    Column("revoked_at", DateTime(), nullable=True),
)

# The web pages' sign-in sessions (docs/web.md): the random session id is kept only as its
# SHA-256, with the key it stands for and the session's CSRF token.
web_sessions = Table(
    "web_sessions",
    metadata,
    Column("id_hash", String(64), primary_key=True),
    Column("key_id", String(36), nullable=False, index=True),
    Column("csrf_token", String(64), nullable=False),
    Column("created_at", DateTime(), nullable=False),
    Column("last_seen_at", DateTime(), nullable=False),
)

# Enforces "one open enrollment per pseudonym and intervention" across aggregates; written in
# the same transaction as the event that opens or closes the enrollment.
open_enrollments = Table(
    "open_enrollments",
    metadata,
    Column("association_id", String(64), primary_key=True),
    Column("intervention_id", String(64), primary_key=True),
    Column("pseudonym", String(128), primary_key=True),
    Column("enrollment_id", String(36), nullable=False, unique=True),
)

# Client event ids (Idempotency-Key, a batch item's id) and the enrollment each was used on:
# one key names one event in an association, so a key reused on another enrollment is a
# conflict. (The enrollment itself remembers its keys and answers replays.)
event_keys = Table(
    "event_keys",
    metadata,
    Column("association_id", String(64), primary_key=True),
    Column("key", String(200), primary_key=True),
    Column("enrollment_id", String(36), nullable=False),
    sqlite_with_rowid=False,
)

# One row (id 1): the installation's random namespace for aggregate ids (domain/ids.py),
# made by migration 0006. Without it no association or intervention can be found.
installation = Table(
    "installation",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("id_namespace", String(36), nullable=False),
)

projection_tracking = Table(
    "projection_tracking",
    metadata,
    Column("name", String(64), primary_key=True),
    Column("position", BigInteger().with_variant(Integer(), "sqlite"), nullable=False),
)

# A fresh random token per association each time its read models change (projection,
# gallring, erasure), written in the same transaction: a kept statistics answer is served
# only while the token it was computed under is still the current one (decisions.md §26).
statistics_versions = Table(
    "statistics_versions",
    metadata,
    Column("association_id", String(64), primary_key=True),
    Column("token", String(32), nullable=False),
    # Renewed when the association's read-model rows are removed (decisions.md §28).
    Column("epoch", String(32), nullable=True),
)


def _span() -> list[Column[Any]]:
    return [
        Column("recorded_from", DateTime(), nullable=False),
        Column("recorded_to", DateTime(), nullable=True),
    ]


association_versions = Table(
    "association_versions",
    metadata,
    Column("row_id", Integer, primary_key=True, autoincrement=True),
    Column("association_id", String(64), nullable=False),
    Column("name", String(200), nullable=False),
    Column("settings", JSON, nullable=False),
    *_span(),
    Index("ix_association_versions_current", "association_id", "recorded_to"),
)

intervention_versions = Table(
    "intervention_versions",
    metadata,
    Column("row_id", Integer, primary_key=True, autoincrement=True),
    Column("association_id", String(64), nullable=False),
    Column("intervention_id", String(64), nullable=False),
    Column("name", String(200), nullable=False),
    Column("kind", String(16), nullable=False),
    Column("starts_on", Date, nullable=False),
    Column("ends_on", Date, nullable=True),
    Column("closed_on", Date, nullable=True),
    Column("finances", JSON, nullable=False),
    *_span(),
    Index("ix_intervention_versions_current", "association_id", "recorded_to"),
)

enrollment_versions = Table(
    "enrollment_versions",
    metadata,
    Column(
        "row_id",
        BigInteger().with_variant(Integer(), "sqlite"),
        primary_key=True,
        autoincrement=True,
    ),
    Column("enrollment_id", String(36), nullable=False),
    Column("version", Integer, nullable=False),
    Column("association_id", String(64), nullable=False),
    Column("intervention_id", String(64), nullable=False),
    Column("pseudonym", String(128), nullable=False),
    Column("sex", String(8), nullable=False),
    Column("birth_year", Integer, nullable=False),
    Column("education", String(32), nullable=False),
    Column("municipality", String(4), nullable=True),
    Column("enrolled_on", Date, nullable=False),
    Column("support_at_enrollment", String(200), nullable=False),
    Column("months_on_public_support", Integer, nullable=True),
    Column("months_without_work_or_studies", Integer, nullable=True),
    Column("current_support", String(200), nullable=False),
    Column("support_change", String(200), nullable=True),
    Column("exited_on", Date, nullable=True),
    Column("exit_reason", String(32), nullable=True),
    Column("support_at_exit", String(200), nullable=True),
    Column("exit_support_given", String(200), nullable=True),
    Column("progressed", Boolean, nullable=True),
    Column("voided", Boolean, nullable=False),
    *_span(),
    Index("ix_enrollment_versions_current", "enrollment_id", "recorded_to"),
    # The statistics read (read_models.enrollment_facts): current versions of one
    # association enrolled by the period's end are one range of this index, and SQLite
    # tests `exited_on` in the index before it fetches a row (decisions.md §13).
    Index(
        "ix_enrollment_versions_in_period",
        "association_id",
        "recorded_to",
        "enrolled_on",
        "exited_on",
    ),
    # The kept period facts read an association's rows above an id they have seen (one
    # range here, migration 0011): SQLite must never give a deleted newest row's id
    # again (migration 0010, decisions.md §28).
    Index("ix_enrollment_versions_written", "association_id", "row_id"),
    sqlite_autoincrement=True,
)

anonymous_reports = Table(
    "anonymous_reports",
    metadata,
    Column("report_id", String(36), primary_key=True),
    Column("association_id", String(64), nullable=False, index=True),
    Column("intervention_id", String(64), nullable=False),
    Column("period_start", Date, nullable=False),
    Column("period_end", Date, nullable=False),
    Column("female", Integer, nullable=False),
    Column("male", Integer, nullable=False),
    Column("unspecified", Integer, nullable=False),
    Column("recorded_at", DateTime(), nullable=False),
)

activities = Table(
    "activities",
    metadata,
    Column("activity_id", String(36), primary_key=True),
    Column("association_id", String(64), nullable=False, index=True),
    Column("intervention_id", String(64), nullable=False),
    Column("held_on", Date, nullable=False),
    Column("title", String(300), nullable=False),
    Column("participants", JSON, nullable=False),
    Column("female", Integer, nullable=True),
    Column("male", Integer, nullable=True),
    Column("recorded_at", DateTime(), nullable=False),
)

# Accountability (product.md §12). The audit log: who asked for what, never whom about.
# Append-only for the service; no personal data (no pseudonym, body or free query value).
audit_log = Table(
    "audit_log",
    metadata,
    Column(
        "id", BigInteger().with_variant(Integer(), "sqlite"), primary_key=True, autoincrement=True
    ),
    Column("recorded_at", DateTime(), nullable=False),
    Column("key_id", String(36), nullable=True),
    Column("key_name", String(200), nullable=True),
    Column("role", String(32), nullable=False),
    Column("association_id", String(64), nullable=True),
    Column("action", String(200), nullable=False),
    Column("intervention_id", String(64), nullable=True),
    Column("period_from", Date, nullable=True),
    Column("period_to", Date, nullable=True),
    Column("status", Integer, nullable=False),
    Index("ix_audit_log_association", "association_id", "recorded_at"),
)

# What gallring and erasure did (a gallringsprotokoll, an erasure record): the rule, the
# counts, when and by whom; never which person.
accountability_protocol = Table(
    "accountability_protocol",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("association_id", String(64), nullable=False, index=True),
    Column("kind", String(16), nullable=False),  # "gallring" or "erasure"
    Column("rule", String(300), nullable=False),
    Column("counts", JSON, nullable=False),
    Column("recorded_at", DateTime(), nullable=False),
    Column("operator", String(200), nullable=False),
)

# A year's statistics answer as published, stored before gallring or erasure removes
# events it was computed from: the annual export uses it when present.
stored_annual_answers = Table(
    "stored_annual_answers",
    metadata,
    Column("association_id", String(64), primary_key=True),
    Column("year", Integer, primary_key=True),
    Column("answer", Text(), nullable=False),
    Column("stored_at", DateTime(), nullable=False),
)

READ_MODEL_TABLES = (
    association_versions,
    intervention_versions,
    enrollment_versions,
    anonymous_reports,
    activities,
)
