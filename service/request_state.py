"""Names in an ASGI request's state shared by the API and the web pages (neither imports
the other's internals for them: the app assembles both)."""

# The authenticated caller's principal: left by the rate limiter (a key) or a web page (a
# session); read by the API's dependencies and the audit middleware.
PRINCIPAL_STATE = "uppfoljning_principal"

# The insats a web form names in its body (a select), for the request's audit entry: the
# middleware does not read bodies. Left by the form's route before its command runs (a
# write's entry is made when the command commits), read by the audit middleware.
FORM_INTERVENTION_STATE = "uppfoljning_form_intervention"
