# shellcheck shell=bash
# Shared functions for scripts/dev.sh and scripts/test.sh. Source it; do not run it.
#
#   install_deps            install what is missing (apt as root, pip)
#   free_port               print a free TCP port on 127.0.0.1
#   pg_start DIR PORT       initdb DIR/data on first use, start it on 127.0.0.1:PORT
#   pg_stop DIR             stop the cluster in DIR/data if it runs
#   pg_superuser_url DIR PORT [DB]   print the superuser URI of that cluster
#   build_sluice            build the sluice product, print the executable's path
#   wait_port HOST PORT TIMEOUT      wait until something accepts on HOST:PORT
#
# Everything is idempotent. PostgreSQL refuses to run as root, so when invoked as
# root the cluster belongs to, and runs as, the `postgres` user.

SLUICE_REPO_ROOT="${SLUICE_REPO_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}"
PG_BIN="${PG_BIN:-/usr/lib/postgresql/15/bin}"
export PATH="$PATH:/opt/swift/usr/bin:$PG_BIN"

log() { printf '[sluice] %s\n' "$*" >&2; }
die() { printf '[sluice] error: %s\n' "$*" >&2; exit 1; }

# Run a command as the postgres user when we are root, else as ourselves.
as_pg() {
    if [[ "$(id -u)" == 0 ]]; then
        runuser -u postgres -- "$@"
    else
        "$@"
    fi
}

SLUICE_APT_PACKAGES=(postgresql-15 postgresql-client-15 libpg-query-dev libpostgresql-jdbc-java openssl pgbouncer curl)

_apt_installed() {
    dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'
}

_py_importable() {
    python3 -c "import $1" >/dev/null 2>&1
}

install_deps() {
    local missing=() pkg
    for pkg in "${SLUICE_APT_PACKAGES[@]}"; do
        _apt_installed "$pkg" || missing+=("$pkg")
    done
    # pgJDBC's single-file checks need `java` with its compiler (JDK, not just a JRE).
    if ! command -v java >/dev/null 2>&1 || ! command -v javac >/dev/null 2>&1; then
        missing+=(openjdk-17-jdk-headless)
    fi
    command -v python3 >/dev/null 2>&1 || missing+=(python3)
    # Debian images may ship python3 without pip.
    python3 -m pip --version >/dev/null 2>&1 || missing+=(python3-pip)
    if ((${#missing[@]})); then
        [[ "$(id -u)" == 0 ]] || die "missing packages (${missing[*]}); run as root so they can be installed"
        log "installing: ${missing[*]}"
        export DEBIAN_FRONTEND=noninteractive
        apt-get update
        apt-get install -y --no-install-recommends "${missing[@]}"
    fi
    local py=() mod
    # schemathesis fuzzes the HTTP API against its OpenAPI document (tests/integration/test_schemathesis.py).
    declare -A pip_name=([psycopg]='psycopg[binary]' [asyncpg]=asyncpg [pg8000]=pg8000 [pytest]=pytest [schemathesis]=schemathesis)
    for mod in psycopg asyncpg pg8000 pytest schemathesis; do
        _py_importable "$mod" || py+=("${pip_name[$mod]}")
    done
    # psycopg imports without a libpq only to fail at connect time: make sure one is there.
    if _py_importable psycopg && ! python3 -c 'import psycopg; psycopg.pq.version()' >/dev/null 2>&1; then
        py+=('psycopg[binary]')
    fi
    if ((${#py[@]})); then
        log "pip installing: ${py[*]}"
        python3 -m pip install --quiet "${py[@]}" \
            || python3 -m pip install --quiet --break-system-packages "${py[@]}"
    fi
    [[ -x "$PG_BIN/initdb" ]] || die "PostgreSQL 15 binaries not found in $PG_BIN"
}

free_port() {
    python3 -c 'import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])
s.close()'
}

# port_in_use PORT: true when something accepts connections on 127.0.0.1:PORT.
port_in_use() {
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

wait_port() {
    local host="$1" port="$2" timeout="${3:-30}" start=$SECONDS
    until (exec 3<>"/dev/tcp/$host/$port") 2>/dev/null; do
        if ((SECONDS - start >= timeout)); then
            log "timed out after ${timeout}s waiting for $host:$port"
            return 1
        fi
        sleep 0.2
    done
}

# _pg_running DIR: true when the postmaster of DIR/data is alive.
_pg_running() {
    [[ -f "$1/data/postmaster.pid" ]] && as_pg "$PG_BIN/pg_ctl" -D "$1/data" status >/dev/null 2>&1
}

# _pg_port DIR: the port the running postmaster of DIR/data listens on.
_pg_port() {
    sed -n 4p "$1/data/postmaster.pid" 2>/dev/null
}

pg_start() {
    local dir="$1" port="$2"
    [[ -n "$dir" && -n "$port" ]] || die "usage: pg_start DIR PORT"
    mkdir -p "$dir"
    dir="$(cd "$dir" && pwd)"
    if [[ "$(id -u)" == 0 ]]; then
        id postgres >/dev/null 2>&1 || die "no postgres user: is postgresql-15 installed?"
        chown postgres:postgres "$dir"
        runuser -u postgres -- test -x "$dir" \
            || die "the postgres user cannot reach $dir (a parent directory is not searchable); choose another directory"
    fi
    chmod 700 "$dir"
    if [[ ! -f "$dir/data/PG_VERSION" ]]; then
        rm -rf "$dir/data"
        log "initdb $dir/data"
        if [[ ! -s "$dir/superuser.password" ]]; then
            (umask 077; python3 -c 'import secrets; print(secrets.token_hex(24))' >"$dir/superuser.password")
        fi
        [[ "$(id -u)" == 0 ]] && chown postgres:postgres "$dir/superuser.password"
        chmod 600 "$dir/superuser.password"
        as_pg "$PG_BIN/initdb" -D "$dir/data" -U postgres --pwfile="$dir/superuser.password" \
            --auth-host=scram-sha-256 --auth-local=trust -E UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 \
            || { cat "$dir/initdb.log" >&2; die "initdb failed"; }
    fi
    local hba="$dir/data/pg_hba.conf"
    if ! grep -Eq '^host[[:space:]]+all[[:space:]]+all[[:space:]]+127\.0\.0\.1/32[[:space:]]+scram-sha-256' "$hba"; then
        echo 'host    all             all             127.0.0.1/32            scram-sha-256' >>"$hba"
    fi
    if [[ "$(id -u)" == 0 ]]; then
        chown -R postgres:postgres "$dir"
    fi
    if _pg_running "$dir"; then
        if [[ "$(_pg_port "$dir")" == "$port" ]]; then
            log "PostgreSQL in $dir already runs on port $port"
        else
            log "PostgreSQL in $dir runs on port $(_pg_port "$dir"), restarting it on $port"
            pg_stop "$dir"
        fi
    fi
    if ! _pg_running "$dir"; then
        if port_in_use "$port"; then
            die "port $port on 127.0.0.1 is already in use by another process"
        fi
        log "starting PostgreSQL ($dir/data) on 127.0.0.1:$port"
        as_pg "$PG_BIN/pg_ctl" -D "$dir/data" -l "$dir/postgres.log" -w -t 60 \
            -o "-c listen_addresses=127.0.0.1 -p $port -k $dir -c max_connections=300 -c shared_buffers=64MB" \
            start >/dev/null \
            || { tail -n 30 "$dir/postgres.log" >&2 || true; die "PostgreSQL did not start"; }
    fi
    local start=$SECONDS
    until "$PG_BIN/pg_isready" -q -h 127.0.0.1 -p "$port"; do
        if ((SECONDS - start >= 60)); then
            tail -n 30 "$dir/postgres.log" >&2 || true
            die "PostgreSQL on port $port is not ready after 60s"
        fi
        sleep 0.2
    done
}

pg_stop() {
    local dir="$1"
    [[ -n "$dir" ]] || die "usage: pg_stop DIR"
    if _pg_running "$dir"; then
        log "stopping PostgreSQL ($dir/data)"
        as_pg "$PG_BIN/pg_ctl" -D "$dir/data" -m fast -w -t 60 stop >/dev/null || true
    fi
}

pg_superuser_url() {
    local dir="$1" port="$2" db="${3:-postgres}"
    printf 'postgresql://postgres:%s@127.0.0.1:%s/%s\n' "$(cat "$dir/superuser.password")" "$port" "$db"
}

build_sluice() {
    (cd "$SLUICE_REPO_ROOT" && swift build -c debug --product sluice >&2) || die "swift build of sluice failed"
    local bin
    bin="$(cd "$SLUICE_REPO_ROOT" && swift build -c debug --show-bin-path)/sluice"
    [[ -x "$bin" ]] || die "built, but $bin is not there"
    printf '%s\n' "$bin"
}
