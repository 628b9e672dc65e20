#!/usr/bin/env bash
# Online backup of the Uppföljning database.
#
#   UPPFOLJNING_DATABASE_URL=... deploy/backup.sh TARGET_FILE
#
# The database is the one in UPPFOLJNING_DATABASE_URL (the service's own setting; the
# default is the service's default, sqlite:///var/uppfoljning.db, relative to the current
# directory). The service may keep running: both methods take a consistent snapshot.
#
#   SQLite      Python's sqlite3 backup API (the sqlite3 command-line tool is not needed);
#               TARGET_FILE is a complete SQLite database, checked with integrity_check.
#   PostgreSQL  pg_dump --format=custom; TARGET_FILE is for pg_restore (deploy/restore.sh).
#               pg_dump must be of the server's major version or newer.
#
# TARGET_FILE must not exist; it is written as TARGET_FILE.partial.PID and renamed when
# complete, with mode 0600 (it holds pseudonymous personal data). The pseudonym secrets
# file (UPPFOLJNING_SECRETS_FILE) is NOT in the database: back it up separately.
# PYTHON selects the interpreter (default python3; only the standard library is used).
set -euo pipefail

usage() {
    echo "användning: UPPFOLJNING_DATABASE_URL=... $0 MÅLFIL" >&2
    exit 2
}

[ "$#" -eq 1 ] || usage
target=$1
url=${UPPFOLJNING_DATABASE_URL:-sqlite:///var/uppfoljning.db}
python=${PYTHON:-python3}

if [ -e "$target" ]; then
    echo "backup: $target finns redan; välj ett nytt filnamn" >&2
    exit 1
fi

umask 077
partial="$target.partial.$$"
trap 'rm -f "$partial"' EXIT

# pg_exec: a PostgreSQL client program on the database of a SQLAlchemy URL (pg_exec.sh).
. "$(dirname "$0")/pg_exec.sh"

case "$url" in
    sqlite:* | sqlite+*)
        "$python" - "$url" "$partial" <<'PY'
import os
import sqlite3
import sys
from pathlib import Path

url, target = sys.argv[1:]
path = url.split(":///", 1)[1].split("?", 1)[0] if ":///" in url else ""
if not path or path == ":memory:" or not Path(path).is_file():
    sys.exit(f"backup: ingen SQLite-databasfil vid {path!r} (från {url})")
owner = os.stat(path).st_uid
if os.geteuid() == 0 and owner != 0:
    # root could leave root-owned -wal/-shm files behind that the service cannot open
    sys.exit(f"backup: kör som ägaren till {path} (uid {owner}), t.ex. med sudo -u")
source = sqlite3.connect(path, timeout=30)
copy = sqlite3.connect(target)
try:
    source.backup(copy)  # a consistent snapshot, even while the service writes
    copy.execute("PRAGMA journal_mode=DELETE")  # one self-contained file, no -wal beside it
    result = copy.execute("PRAGMA integrity_check").fetchone()[0]
finally:
    copy.close()
    source.close()
if result != "ok":
    sys.exit(f"backup: kopian klarar inte integrity_check: {result}")
PY
        ;;
    postgresql:* | postgresql+* | postgres:*)
        command -v pg_dump >/dev/null || {
            echo "backup: pg_dump är inte installerat (Debian: apt-get install postgresql-client)" >&2
            exit 1
        }
        pg_exec "$url" pg_dump --format=custom --file="$partial"
        ;;
    *)
        echo "backup: databas-URL:en har ett schema som inte stöds: ${url%%:*}" >&2
        exit 2
        ;;
esac

mv "$partial" "$target"
trap - EXIT
echo "backup: skrev $target ($(wc -c <"$target") byte)" >&2
