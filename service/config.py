"""Settings: the one place configuration is read from the environment."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_DATA_DIR = Path("var")
# Ten requests a second per key, sustained, with a minute's worth as burst; a batch of
# 10,000 events is one request.
PRODUCTION_RATE_LIMIT = 600
PLACEHOLDERS = {"changeme", "change-me", "secret", "placeholder", "xxx"}


def default_workers() -> int:
    """One request worker per core this process may run on (taskset, cpusets; a CPU
    quota such as Docker's --cpus is not seen), at most four: the database serialises writes, so
    more workers than that only add memory (docs/decisions.md §15)."""
    usable = os.sched_getaffinity(0) if hasattr(os, "sched_getaffinity") else None
    return max(1, min(len(usable) if usable else os.cpu_count() or 1, 4))


class Settings(BaseSettings):
    """Configuration by `UPPFOLJNING_*` environment variables (product.md §10)."""

    model_config = SettingsConfigDict(env_prefix="UPPFOLJNING_", extra="ignore")

    environment: Literal["development", "production", "test"] = "development"
    database_url: str = Field(default=f"sqlite:///{DEFAULT_DATA_DIR / 'uppfoljning.db'}")
    secrets_file: Path = DEFAULT_DATA_DIR / "secrets.json"
    # The HMAC key for personnummer received through the API; overrides the secrets file.
    pseudonym_key: str | None = None
    max_body_bytes: int = 1024 * 1024
    batch_max_bytes: int = 16 * 1024 * 1024
    projection_poll_seconds: float = Field(default=1.0, gt=0)
    ready_max_lag_events: int = 1000
    # Requests a minute per API key (per address before authentication); 0 turns it off.
    # Left unset: PRODUCTION_RATE_LIMIT in production, off elsewhere (docs/rate-limiting.md).
    rate_limit_per_minute: int = Field(default=0, ge=0)
    log_level: str = "INFO"
    # Request worker processes of `serve` (service/runtime/serving.py).
    workers: int = Field(default_factory=default_workers, ge=1, le=64)
    # The web pages' sessions (docs/web.md): ended after this long without a request, and
    # this long after sign-in whatever happens.
    session_idle_seconds: int = Field(default=30 * 60, ge=1)
    session_max_seconds: int = Field(default=8 * 60 * 60, ge=1)
    # The audit log's own retention: `gallra` deletes entries older than this many years;
    # unset keeps them all (docs/operations.md).
    audit_retention_years: int | None = Field(default=None, ge=1, le=100)

    @model_validator(mode="after")
    def _refuse_placeholders(self) -> Settings:
        key = self.pseudonym_key
        if (
            self.environment == "production"
            and key is not None
            and (key.lower() in PLACEHOLDERS or len(key) < 32)
        ):
            raise ValueError(
                "UPPFOLJNING_PSEUDONYM_KEY is a placeholder or shorter than 32 characters"
            )
        return self

    @model_validator(mode="after")
    def _production_rate_limit(self) -> Settings:
        if (
            self.environment == "production"
            and "rate_limit_per_minute" not in self.model_fields_set
        ):
            self.rate_limit_per_minute = PRODUCTION_RATE_LIMIT
        return self

    @property
    def is_sqlite(self) -> bool:
        """True for the embedded SQLite database."""
        return self.database_url.startswith("sqlite")
