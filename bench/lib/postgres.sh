# bench/run.sh stage: every phase on PostgreSQL instead of SQLite.
#
#   BENCH_POSTGRES=1            the bench starts its own PostgreSQL 15 (Debian's
#                               postgresql-15) in $WORK/pg on a free loopback port,
#                               with the server's defaults (fsync on) but
#                               shared_buffers=1GB (the 1M-row table and its
#                               indexes are 363 MB), and stops it at the end
#   BENCH_DATABASE_URL=postgresql://…  an empty database of your own server instead
#
# With its own server the "server CPU" of a phase is webhookd's plus every
# PostgreSQL process's (the postmaster and its children), so the figures are
# the cost of the whole store; with BENCH_DATABASE_URL on this machine
# PostgreSQL's CPU shows as "other CPU". BENCH_LOAD=file (a generated SQLite
# file) and the baseline comparison are SQLite's and are not run.

PG_URL=${BENCH_DATABASE_URL:-}
PG_BENCH=0
[[ ${BENCH_POSTGRES:-0} == 1 || -n $PG_URL ]] && PG_BENCH=1
[[ -z $PG_URL || $PG_URL == postgresql://* || $PG_URL == postgres://* ]] ||
  { echo "bench: BENCH_DATABASE_URL must be a postgresql:// URL" >&2; exit 2; }
PG_OWN_DIR=""
PG_POSTMASTER=""
PG_AS=()

if ((PG_BENCH)); then
  [[ $LOAD == http ]] || { echo "bench: BENCH_LOAD=file generates a SQLite file; on PostgreSQL use webhookd copy-db" >&2; exit 2; }
  BASELINE_ENABLED=0
  command -v psql >/dev/null || { echo "bench: PostgreSQL needs psql (scripts/install-deps.sh bench)" >&2; exit 2; }
fi

# What webhookd is started with.
bench_database_url() { if ((PG_BENCH)); then echo "$PG_URL"; else echo "sqlite:///$DB"; fi; }

# db_query SQL: one query on the database under test, rows tab-separated.
db_query() {
  if ((PG_BENCH)); then
    psql "$PG_URL" -XAtq -F $'\t' -c "$1"
  else
    sqlite3 -separator $'\t' "$DB" "$1"
  fi
}

start_own_postgres() {
  local bindir=/usr/lib/postgresql/15/bin port
  [[ -x $bindir/initdb ]] || die "BENCH_POSTGRES=1 needs postgresql-15 (scripts/install-deps.sh bench)"
  PG_OWN_DIR="$WORK/pg"
  mkdir -p "$PG_OWN_DIR"
  # initdb and postgres refuse root: run them as the account the package made.
  if ((EUID == 0)); then
    chmod 711 "$WORK"
    chown postgres: "$PG_OWN_DIR"
    PG_AS=(runuser -u postgres --)
  fi
  port=$(pick_port) || die "no free port for PostgreSQL"
  "${PG_AS[@]}" "$bindir/initdb" -D "$PG_OWN_DIR/data" -U webhookd -A trust --locale=C -E UTF8 \
    >"$WORK/pg-initdb.log" 2>&1 || die "initdb failed: $(tail -5 "$WORK/pg-initdb.log")"
  "${PG_AS[@]}" "$bindir/pg_ctl" -D "$PG_OWN_DIR/data" -l "$PG_OWN_DIR/server.log" -w -t 60 \
    -o "-p $port -k $PG_OWN_DIR -c listen_addresses=127.0.0.1 -c shared_buffers=1GB" start >/dev/null ||
    die "PostgreSQL did not start: $(tail -5 "$PG_OWN_DIR/server.log")"
  PG_POSTMASTER=$(head -1 "$PG_OWN_DIR/data/postmaster.pid")
  psql "postgresql://webhookd@127.0.0.1:$port/postgres" -XAtq -c "CREATE DATABASE webhookd" ||
    die "cannot create the bench database"
  PG_URL="postgresql://webhookd@127.0.0.1:$port/webhookd"
  log "PostgreSQL $("$bindir/postgres" --version | awk '{ print $3 }') started (pid $PG_POSTMASTER, port $port, $PG_OWN_DIR)"
}

stop_own_postgres() {
  [[ -n $PG_POSTMASTER ]] || return 0
  "${PG_AS[@]}" /usr/lib/postgresql/15/bin/pg_ctl -D "$PG_OWN_DIR/data" stop -m fast -w >/dev/null 2>&1 || true
  PG_POSTMASTER=""
}

# CPU ticks of the whole store: webhookd and, with our own server, the
# postmaster and all its children (each backend keeps its connection for the
# whole run, so no ticks are lost to exited processes).
if ((PG_BENCH)); then
  eval "webhookd_cpu_ticks() $(declare -f proc_cpu_ticks | tail -n +2)"
  proc_cpu_ticks() {
    local total pid
    total=$(webhookd_cpu_ticks "$1")
    if [[ $1 == "$SERVER_PID" && -n $PG_POSTMASTER ]]; then
      for pid in "$PG_POSTMASTER" $(pgrep -P "$PG_POSTMASTER" || true); do
        total=$((total + $(webhookd_cpu_ticks "$pid")))
      done
    fi
    echo "$total"
  }
fi

# make_vocabulary measures word frequencies on a SQLite file: on PostgreSQL it
# gets a copy of the texts.
vocabulary_database() {
  if ((PG_BENCH)); then
    local copy="$WORK/vocabulary-texts.db"
    rm -f "$copy"
    sqlite3 "$copy" "CREATE TABLE messages (text TEXT)"
    psql "$PG_URL" -XAtq -c "COPY (SELECT text FROM messages WHERE text IS NOT NULL) TO STDOUT WITH (FORMAT csv)" \
      >"$WORK/vocabulary-texts.csv" || die "cannot export the texts from PostgreSQL"
    sqlite3 "$copy" ".mode csv" ".import $WORK/vocabulary-texts.csv messages" || die "cannot import the texts"
    rm -f "$WORK/vocabulary-texts.csv"
    echo "$copy"
  else
    echo "$DB"
  fi
}

backend_description() {
  if ((PG_BENCH)); then
    if [[ -n $PG_OWN_DIR ]]; then
      echo "PostgreSQL 15 started by the bench on loopback (fsync on, synchronous_commit on, shared_buffers=1GB), one webhookd replica; server CPU includes PostgreSQL's"
    else
      echo "PostgreSQL at BENCH_DATABASE_URL (its CPU not in server CPU)"
    fi
  else
    echo "SQLite (embedded), synchronous=FULL"
  fi
}
