#!/usr/bin/env bash
# Restore an Uppföljning backup made by deploy/backup.sh into a NEW, empty database.
#
#   UPPFOLJNING_DATABASE_URL=... deploy/restore.sh BACKUP_FILE
#
# UPPFOLJNING_DATABASE_URL names the database to restore INTO (default, as the service:
# sqlite:///var/uppfoljning.db relative to the current directory). Stop the service first.
#
#   SQLite      the database file (and its -wal and -shm files) must not exist: move the
#               old one away first. The backup is checked (integrity_check), copied to
#               FILE.partial.PID and renamed into place.
#   PostgreSQL  the database must exist and be empty (CREATE DATABASE ... OWNER ...).
#               pg_restore runs in one transaction and stops at the first error, so a
#               failed restore leaves the database as empty as it was. Objects are owned
#               by the role of the URL (--no-owner --no-privileges).
#
# Then start the service as usual: it checks the schema revision (run
# `python -m service migrate` if the backup comes from an older version) and the read
# models resume from where the backup left them.
# PYTHON selects the interpreter (default python3; only the standard library is used).
set -euo pipefail

usage() {
    echo "användning: UPPFOLJNING_DATABASE_URL=... $0 SÄKERHETSKOPIA" >&2
    exit 2
}

[ "$#" -eq 1 ] || usage
backup=$1
url=${UPPFOLJNING_DATABASE_URL:-sqlite:///var/uppfoljning.db}
python=${PYTHON:-python3}

if [ ! -f "$backup" ]; then
    echo "restore: säkerhetskopian $backup finns inte" >&2
    exit 1
fi

umask 077

# pg_exec: a PostgreSQL client program on the database of a SQLAlchemy URL (pg_exec.sh).
. "$(dirname "$0")/pg_exec.sh"

case "$url" in
    sqlite:* | sqlite+*)
        "$python" - "$url" "$backup" <<'PY'
import os
import sqlite3
import sys
from pathlib import Path
from urllib.parse import quote

url, backup = sys.argv[1:]
path = url.split(":///", 1)[1].split("?", 1)[0] if ":///" in url else ""
if not path or path == ":memory:":
    sys.exit(f"restore: {url} anger ingen databasfil")
target = Path(path)
for existing in (target, Path(f"{path}-wal"), Path(f"{path}-shm")):
    if existing.exists():
        sys.exit(f"restore: {existing} finns redan; flytta undan den gamla databasen först")
source = sqlite3.connect(f"file:{quote(str(Path(backup).resolve()))}?mode=ro", uri=True)
try:
    result = source.execute("PRAGMA integrity_check").fetchone()[0]
except sqlite3.DatabaseError as error:
    sys.exit(f"restore: {backup} är ingen SQLite-databas: {error}")
if result != "ok":
    sys.exit(f"restore: {backup} klarar inte integrity_check: {result}")
target.parent.mkdir(parents=True, exist_ok=True)
owner = target.parent.stat().st_uid
if os.geteuid() == 0 and owner != 0:
    # a root-owned database would be unusable by the service
    sys.exit(f"restore: kör som ägaren till {target.parent} (uid {owner}), t.ex. med sudo -u")
partial = Path(f"{path}.partial.{os.getpid()}")
copy = sqlite3.connect(partial)
try:
    source.backup(copy)
    copy.execute("PRAGMA journal_mode=WAL")  # what the service runs with
    copy.close()
    os.replace(partial, target)
except BaseException:
    copy.close()
    partial.unlink(missing_ok=True)
    raise
finally:
    source.close()
PY
        ;;
    postgresql:* | postgresql+* | postgres:*)
        command -v pg_restore >/dev/null || {
            echo "restore: pg_restore är inte installerat (Debian: apt-get install postgresql-client)" >&2
            exit 1
        }
        if ! pg_exec "$url" pg_restore --no-owner --no-privileges --single-transaction \
            --exit-on-error "$backup"; then
            echo "restore: pg_restore misslyckades och inget återställdes; databasen måste vara ny och tom" >&2
            exit 1
        fi
        ;;
    *)
        echo "restore: databas-URL:en har ett schema som inte stöds: ${url%%:*}" >&2
        exit 2
        ;;
esac

echo "restore: återställde $backup" >&2
