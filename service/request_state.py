"""Names in an ASGI request's state shared by the API and the web pages (neither imports
the other's internals for them: the app assembles both)."""

# The authenticated caller's principal: left by the rate limiter (a key) or a web page (a
# session); read by the API's dependencies and the audit middleware.
PRINCIPAL_STATE = "uppfoljning_principal"
