# Shared by backup.sh and restore.sh (sourced, not run).
# Expects $python to name the Python interpreter.
# Runs a PostgreSQL client program on the database of a SQLAlchemy URL. The password goes
# in PGPASSWORD, not on the command line, where every local user could read it.
pg_exec() {
    "$python" - "$@" <<'PY'
import os
import sys
from urllib.parse import urlsplit, urlunsplit, unquote

url, program, *args = sys.argv[1:]
parts = urlsplit(url)
env = dict(os.environ)
netloc = parts.netloc
if "@" in netloc:
    userinfo, hostport = netloc.rsplit("@", 1)
    user, has_password, password = userinfo.partition(":")
    if has_password:
        env["PGPASSWORD"] = unquote(password)
    netloc = f"{user}@{hostport}"
dsn = urlunsplit(("postgresql", netloc, parts.path, parts.query, ""))
os.execvpe(program, [program, f"--dbname={dsn}", *args], env)
PY
}
