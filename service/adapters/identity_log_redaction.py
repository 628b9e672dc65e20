"""No personnummer in any log line (issue 17, finding 1).

The API refuses a personnummer in a path or query string with a 422, but uvicorn logs the
request line before anyone looks at it: its access log (`%s - "%s %s HTTP/%s" %d`) would
keep the URL. This filter, installed with the database-error filter on every handler and
on the `uvicorn.access` logger itself, replaces each argument and message of a record that
holds a number (service/domain/personnummer_guard.py) by a placeholder, before any handler
formats it. uvicorn logs the URL as sent, percent-encoded, so a text is also read
percent-decoded (`19121212%201212`, `121212%2B1212`, full-width digits as UTF-8 bytes).
"""

from __future__ import annotations

import logging
from urllib.parse import unquote, unquote_plus

from service.domain.personnummer_guard import PLACEHOLDER, contains_identity_number


def _holds_identity_number(text: str) -> bool:
    """A number in the text as written or percent-decoded (with '+' read as itself and as
    a space, as a path and a query string read it)."""
    if contains_identity_number(text):
        return True
    return "%" in text and any(
        contains_identity_number(t) for t in (unquote(text), unquote_plus(text))
    )


def _redacted_argument(argument: object) -> object:
    if isinstance(argument, str | bytes):
        text = argument.decode("latin-1") if isinstance(argument, bytes) else argument
        return PLACEHOLDER if _holds_identity_number(text) else argument
    return argument


class RedactIdentityNumbers(logging.Filter):
    """Rewrites a record's message and arguments that hold a personnummer."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str) and _holds_identity_number(record.msg):
            record.msg, record.args = PLACEHOLDER, None
        if isinstance(record.args, tuple):
            record.args = tuple(_redacted_argument(a) for a in record.args)
        elif isinstance(record.args, dict):
            record.args = {k: _redacted_argument(v) for k, v in record.args.items()}
        return True


def install(handlers: list[logging.Handler]) -> None:
    """The filter on each of `handlers` and on the access logger (once each)."""
    access = logging.getLogger("uvicorn.access")
    for owner in [*handlers, access]:
        if not any(isinstance(f, RedactIdentityNumbers) for f in owner.filters):
            owner.addFilter(RedactIdentityNumbers())
