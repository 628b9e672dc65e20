"""`python -m service`."""

from service.cli.commands import main

main()
