# Makes a PostgreSQL server answer for the tests and exports MULTICAISSE_TEST_PG_URL, a URL of
# a role that may create databases (each test creates its own). Sourced by scripts/test.sh.
#   - MULTICAISSE_TEST_PG_URL already set: used as it is (your own server).
#   - otherwise: installs PostgreSQL if missing, starts the local cluster if none answers,
#     creates the role `multicaisse` (password `multicaisse`), drops old test databases.
# It fails with a message when PostgreSQL cannot be had; MULTICAISSE_SKIP_PG=1 skips it
# explicitly (the tests then say so), which CI never does.

ensure_postgres() {
  if [ "${MULTICAISSE_SKIP_PG:-}" = 1 ]; then
    [ "${CI:-}" = true ] && die "MULTICAISSE_SKIP_PG=1 is refused in CI: the PostgreSQL tests must run"
    say "PostgreSQL tests SKIPPED on request (MULTICAISSE_SKIP_PG=1)"
    return 0
  fi
  if [ -n "${MULTICAISSE_TEST_PG_URL:-}" ]; then
    say "PostgreSQL: using MULTICAISSE_TEST_PG_URL"
    return 0
  fi
  local port=${MULTICAISSE_PG_PORT:-5432}
  if ! command -v pg_ctlcluster >/dev/null; then
    say "installing PostgreSQL"
    apt_install postgresql
  fi
  if ! pg_isready -q -h 127.0.0.1 -p "$port"; then
    local version
    version=$(ls /usr/lib/postgresql | sort -V | tail -n 1)
    [ -n "$version" ] || die "PostgreSQL server binaries not found under /usr/lib/postgresql"
    if ! pg_lsclusters -h | awk '{print $1" "$2}' | grep -qx "$version main"; then
      pg_createcluster "$version" main -p "$port" >/dev/null || die "cannot create a PostgreSQL $version cluster"
    fi
    say "starting PostgreSQL $version"
    pg_ctlcluster "$version" main start || die "PostgreSQL $version did not start (see /var/log/postgresql/)"
    for _ in $(seq 1 30); do pg_isready -q -h 127.0.0.1 -p "$port" && break; sleep 1; done
    pg_isready -q -h 127.0.0.1 -p "$port" || die "PostgreSQL does not answer on 127.0.0.1:$port"
  fi
  local psql=(su postgres -c)
  "${psql[@]}" "psql -q -p $port -v ON_ERROR_STOP=1 -c \"DO \\\$\\\$ BEGIN
      IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'multicaisse') THEN
        CREATE ROLE multicaisse LOGIN CREATEDB PASSWORD 'multicaisse';
      END IF; END \\\$\\\$;\"" >/dev/null || die "cannot create the PostgreSQL role multicaisse"
  # Databases left by interrupted earlier runs.
  local leftovers
  leftovers=$("${psql[@]}" "psql -At -p $port -c \"SELECT datname FROM pg_database WHERE datname LIKE 'mc\\_test\\_%'\"")
  for db in $leftovers; do
    "${psql[@]}" "psql -q -p $port -c 'DROP DATABASE IF EXISTS \"$db\"'" >/dev/null || true
  done
  export MULTICAISSE_TEST_PG_URL="postgres://multicaisse:multicaisse@127.0.0.1:$port/postgres"
  say "PostgreSQL ready on 127.0.0.1:$port"
}
