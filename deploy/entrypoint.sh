#!/bin/sh
# Entrypoint of the Uppföljning container (deploy/Dockerfile).
#
#   serve [OPTIONS]   (the default) `python -m service migrate`, then serve the API on
#                     0.0.0.0:8000; OPTIONS are passed on to `python -m service serve`.
#                     UPPFOLJNING_MIGRATE_ON_START=0 skips the migration (when several
#                     containers share one database, migrate once, by hand, instead).
#   anything else     is a `python -m service` command, e.g.
#                     docker compose run --rm app create-key --name operator
#
# `exec` puts `serve` in the shell's place (PID 1, or 2 under Compose's `init`), so it
# receives SIGTERM itself and stops its workers, which finish the requests in flight.
set -eu

if [ "$#" -eq 0 ] || [ "$1" = serve ]; then
    if [ "$#" -gt 0 ]; then
        shift
    fi
    if [ "${UPPFOLJNING_MIGRATE_ON_START:-1}" != 0 ]; then
        python -m service migrate
    fi
    exec python -m service serve --host 0.0.0.0 --port 8000 "$@"
fi

exec python -m service "$@"
