# shellcheck shell=bash
# Source me (bash):   source .ci/postgres.sh
#
# Starts a throwaway PostgreSQL server for the tests and exports
#
#   SMARKETING_TEST_POSTGRES=postgres://postgres@127.0.0.1:PORT/smarketing_test?sslmode=disable
#
# The role (postgres) is a superuser, so tests may CREATE DATABASE one fresh
# database per test; with the URL, `createdb --maintenance-db="$SMARKETING_TEST_POSTGRES" x`
# and `psql "$SMARKETING_TEST_POSTGRES"` work as they are. Authentication is
# trust, on 127.0.0.1 and on a unix socket in the server's temporary directory
# (nothing else listens). fsync stays on: tests check durability.
#
# When the sourcing shell exits, an EXIT trap stops the server and removes its
# directory; the trap runs before any EXIT trap that was already set, keeps $?
# for it, and turns errexit off for the rest of the trap (so that a failing
# step of the clean-up cannot skip the rest of it).
#
# If SMARKETING_TEST_POSTGRES is already set and answers, nothing is done
# (sourcing twice in one shell, or a developer's own server).
#
# Needs PostgreSQL's server binaries: `pg_config --bindir`, else the newest
# /usr/lib/postgresql/*/bin; only if neither has initdb is Debian's
# `postgresql` package installed (root only). As root, the server runs as the
# `postgres` system user (created if missing): PostgreSQL refuses to run as
# root.

if [[ "${BASH_SOURCE[0]}" == "$0" ]]; then
  echo "postgres.sh: source this file (source .ci/postgres.sh), do not run it" >&2
  exit 2
fi

_smk_pg_say() { echo "postgres.sh: $*" >&2; }

# Prints the directory holding initdb, pg_ctl, postgres, pg_isready, psql.
_smk_pg_bindir() {
  local d
  if command -v pg_config >/dev/null 2>&1; then
    d=$(pg_config --bindir 2>/dev/null) || d=
    # pg_config can come with libpq-dev alone, without the server.
    if [[ -n "$d" && -x "$d/initdb" ]]; then echo "$d"; return 0; fi
  fi
  # Debian's layout, if pg_config is not installed (or not the server's).
  d=$(printf '%s\n' /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
  if [[ -n "$d" && -x "$d/initdb" ]]; then echo "$d"; return 0; fi
  return 1
}

_smk_pg_main() {
  local bindir dir port url log try started='' as=() q_as q_pgctl q_dir

  # Already have one that answers: nothing to do.
  if [[ -n "${SMARKETING_TEST_POSTGRES:-}" ]] && command -v psql >/dev/null 2>&1 &&
     psql "$SMARKETING_TEST_POSTGRES" -Atqc 'select 1' >/dev/null 2>&1; then
    _smk_pg_say "SMARKETING_TEST_POSTGRES is already set and answers; not starting another server"
    return 0
  fi
  if [[ -n "${SMARKETING_TEST_POSTGRES:-}" ]]; then
    _smk_pg_say "SMARKETING_TEST_POSTGRES is set but does not answer; starting a throwaway server instead"
  fi

  if ! bindir=$(_smk_pg_bindir); then
    if [[ $EUID -ne 0 ]]; then
      _smk_pg_say "no PostgreSQL server binaries (initdb) found; install them (Debian: apt-get install postgresql)"
      return 1
    fi
    _smk_pg_say "no PostgreSQL server binaries found; installing Debian's postgresql"
    # A fresh machine may have no package lists yet: update only if needed.
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q postgresql >&2 ||
      { DEBIAN_FRONTEND=noninteractive apt-get update -q >&2 &&
        DEBIAN_FRONTEND=noninteractive apt-get install -y -q postgresql >&2; } ||
      { _smk_pg_say "apt-get install postgresql failed"; return 1; }
    bindir=$(_smk_pg_bindir) ||
      { _smk_pg_say "postgresql installed but initdb still not found"; return 1; }
  fi

  if [[ $EUID -eq 0 ]]; then
    if ! id -u postgres >/dev/null 2>&1; then
      useradd --system --user-group --home-dir /nonexistent --no-create-home \
        --shell /usr/sbin/nologin postgres ||
        { _smk_pg_say "could not create the postgres user"; return 1; }
    fi
    if command -v runuser >/dev/null 2>&1; then
      as=(runuser -u postgres --)
    else
      # su hands the arguments after the user to the shell: "$0" "$@".
      # shellcheck disable=SC2016 # for that shell to expand, not this one
      as=(su postgres -s /bin/sh -c 'exec "$0" "$@"')
    fi
    # Under /tmp rather than $TMPDIR: the postgres user must reach it.
    dir=$(mktemp -d /tmp/smarketing-pg.XXXXXXXX) || return 1
    chown postgres: "$dir" || { rm -rf "$dir"; return 1; }
  else
    dir=$(mktemp -d "${TMPDIR:-/tmp}/smarketing-pg.XXXXXXXX") || return 1
  fi
  chmod 700 "$dir"
  log="$dir/server.log"

  # The clean-up goes in first, so that a failure below leaves nothing behind.
  # It is self-contained (no function of this file), quoted with %q.
  q_as=; if ((${#as[@]})); then q_as=$(printf '%q ' "${as[@]}"); fi
  q_pgctl=$(printf %q "$bindir/pg_ctl")
  q_dir=$(printf %q "$dir")
  local stop="_smk_pg_rc=\$?; set +e
( cd / && $q_as$q_pgctl -D $q_dir/data -m immediate -w -t 10 stop >/dev/null 2>&1 ) ||
  { _smk_pg_pid=\$(head -n 1 $q_dir/data/postmaster.pid 2>/dev/null) && [ -n \"\$_smk_pg_pid\" ] && kill -KILL \"\$_smk_pg_pid\" 2>/dev/null; }
rm -rf $q_dir
(exit \$_smk_pg_rc)"
  local prev
  prev=$(trap -p EXIT)            # "trap -- 'cmd' EXIT", or empty
  if [[ -n "$prev" ]]; then
    prev=${prev#trap -- }; prev=${prev% EXIT}
    eval "prev=$prev"             # undo trap -p's quoting
    trap -- "$stop"$'\n'"$prev" EXIT
  else
    trap -- "$stop" EXIT
  fi

  # C.UTF-8: byte-order sorting like C, but lower()/upper() know non-ASCII.
  local locale=C
  if locale -a 2>/dev/null | grep -qix 'c\.utf-\?8'; then locale=C.UTF-8; fi
  # --no-sync: only initdb's own final flush of the fresh cluster is skipped
  # (worthless for a throwaway one); the server itself keeps fsync on.
  if ! ( cd "$dir" && "${as[@]}" "$bindir/initdb" -D "$dir/data" -U postgres \
           --auth=trust --encoding=UTF8 --locale="$locale" --no-sync ) \
         >"$dir/initdb.log" 2>&1; then
    _smk_pg_say "initdb failed:"; cat "$dir/initdb.log" >&2; return 1
  fi
  cat >>"$dir/data/postgresql.conf" <<EOF

# smarketing tests (.ci/postgres.sh)
listen_addresses = '127.0.0.1'
unix_socket_directories = '$dir'
shared_buffers = 16MB
max_connections = 100
fsync = on
EOF

  # A free port: probe a random one outside the ephemeral range (connect
  # refused = free), and if the server still cannot bind it (a race with
  # another job), try another.
  for try in 1 2 3 4 5 6 7 8 9 10; do
    port=$((20000 + RANDOM % 12000))
    if (: </dev/tcp/127.0.0.1/"$port") 2>/dev/null; then continue; fi
    rm -f "$log"   # pg_ctl, as the server user, creates it afresh
    if ( cd "$dir" && "${as[@]}" "$bindir/pg_ctl" -D "$dir/data" -l "$log" \
           -o "-p $port" -w -t 30 start ) >"$dir/pg_ctl.out" 2>&1; then
      started=1; break
    fi
    if grep -qs 'could not bind\|Address already in use' "$log"; then
      _smk_pg_say "port $port is taken; trying another"; continue
    fi
    _smk_pg_say "the server did not start:"
    cat "$dir/pg_ctl.out" "$log" >&2 2>/dev/null; return 1
  done
  if [[ -z "$started" ]]; then
    _smk_pg_say "no free port found in 10 tries"; cat "$log" >&2 2>/dev/null; return 1
  fi

  # pg_ctl -w has waited already; this is the check the tests depend on.
  for try in $(seq 1 30); do
    if "$bindir/pg_isready" -q -h 127.0.0.1 -p "$port" -U postgres -d postgres; then break; fi
    if [[ $try -eq 30 ]]; then
      _smk_pg_say "server not ready after 30 s:"; cat "$log" >&2; return 1
    fi
    sleep 1
  done

  if ! "$bindir/psql" -h 127.0.0.1 -p "$port" -U postgres -d postgres -v ON_ERROR_STOP=1 \
         -qAtc 'CREATE DATABASE smarketing_test' >&2; then
    _smk_pg_say "could not create database smarketing_test"; return 1
  fi

  url="postgres://postgres@127.0.0.1:$port/smarketing_test?sslmode=disable"
  export SMARKETING_TEST_POSTGRES="$url"
  _smk_pg_say "started $("$bindir/postgres" --version) at $url (socket and data in $dir)"
}

_smk_pg_rc=0
_smk_pg_main || _smk_pg_rc=$?
unset -f _smk_pg_main _smk_pg_bindir _smk_pg_say
# The status of `source`: under set -e a failure stops the caller. (Not a
# top-level return, after which shellcheck takes the caller's rest as dead.)
(exit "$_smk_pg_rc")
