"""`python -m service`."""

from service.cli import app

app()
