"""Domain errors, raised where the rule lives and mapped to HTTP once, in api/errors.py.

DomainError
├── InvalidValueError            a field breaks a rule (422); names the field
│   └── UnknownCodeError         a code outside its list (422); lists the allowed codes
├── NotFoundError                no such thing in this tenant (404)
├── ForbiddenError               the key may not do this (403)
├── ConflictError                the state forbids it (409)
│   ├── DuplicateOpenEnrollmentError
│   ├── IdempotencyConflictError the same id or key with another body
│   └── AlreadyExistsError
└── StaleVersionError            If-Match no longer current (412)

WriteConflictError               not a DomainError: the database refused a row another
                                 transaction wrote first (the adapters' translation of an
                                 integrity error); each use case says what that means (409)
"""

from __future__ import annotations

from collections.abc import Iterable


class DomainError(Exception):
    """Base of every error the service raises on purpose."""

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


class InvalidValueError(DomainError):
    """A value breaks a rule of product.md §4/§5."""

    def __init__(self, field: str, detail: str) -> None:
        super().__init__(detail)
        self.field = field


class UnknownCodeError(InvalidValueError):
    """A code that is not in its code list."""

    def __init__(self, field: str, value: object, allowed: Iterable[str]) -> None:
        self.allowed = list(allowed)
        super().__init__(
            field, f"{value!r} is not a valid code for {field}; allowed: {', '.join(self.allowed)}"
        )


class NotFoundError(DomainError):
    """The thing does not exist, or belongs to another tenant."""


class ForbiddenError(DomainError):
    """The credentials may not perform this action."""


class UnauthenticatedError(DomainError):
    """No valid API key was given."""


class ConflictError(DomainError):
    """The current state forbids the change."""


class DuplicateOpenEnrollmentError(ConflictError):
    """The pseudonym already has an open enrollment in the intervention."""


class IdempotencyConflictError(ConflictError):
    """An idempotency key or client id was reused with a different body."""


class AlreadyExistsError(ConflictError):
    """An object with this id exists already, with other contents."""


class StaleVersionError(DomainError):
    """The client's If-Match version is not the current one."""


class WriteConflictError(Exception):
    """Another transaction wrote the same id, version or key first: the database's
    integrity error as the adapters hand it on (adapters/eventstore.py). The use case
    catches it and raises the ConflictError it means; uncaught, it is a 500 as before."""
