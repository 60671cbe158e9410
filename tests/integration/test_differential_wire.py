"""Differential protocol test: a pooled client must not be able to tell it is pooled.

Every client runs a random script of protocol steps (simple queries, extended-protocol batches
with named and unnamed statements and portals, pipelines of several `Sync`s, `Flush`, settings,
transactions, savepoints, cursors, errors at parse, bind and execute time) twice, message for
message: once through Sluice and once on a direct connection to PostgreSQL as a role that is a
member of the workspace's customer role (same grants, same `search_path`). The answers are
compared message by message after a small normalisation (the table each side writes to, and
the error fields that name PostgreSQL's source file and line), and after every step what each
client believes of the reported settings (`application_name`, `TimeZone`, `DateStyle`, as its
`ParameterStatus` messages told it) must be the same. Four clients run at once on a
private `sluice serve` with ONE server connection, so every transaction of every client lands on
a connection the other clients' statements and settings went through last; then the same
scripts taking turns step by step (deterministic) on four connections; then through the
session-pooled URI.

A difference is a bug in the proxy (statements renamed or replayed, settings carried,
`ParameterStatus` forwarded, errors emulated), or one of the deviations the README documents:
the generator never produces the ones it cannot see (`pg_prepared_statements`, a custom
setting's empty placeholder), and `refused_as_documented` accepts the rest (the policy's
answers, what a failed transaction on a connection that lacks a statement answers, a data
error at `Bind` rather than `Execute` (plan cache), a `DEALLOCATE` that takes no snapshot, and
the `ParameterStatus` of a simple Query's `RESET` of a startup setting, after which one with
the startup value must come before the next answer). `SLUICETEST_DIFF_SEED`, `SLUICETEST_DIFF_STEPS`,
`SLUICETEST_DIFF_ONLY` (clients) and `SLUICETEST_DIFF_HISTORY` (steps shown) narrow a failure down;
the taking-turns variant replays one exactly.
"""

from __future__ import annotations

import os
import random
import secrets
import struct
import threading
from dataclasses import dataclass, field

import pytest

import pgwire
from policywire import bind_msg, execute_msg, parse_msg, sync_msg
from sluicetest import DevEnv, PgURI, psql_ok, unique_name
from txpool import close_statement_msg, describe_portal_msg, describe_statement_msg, flush_msg, serve

CLIENTS = 4
# Which of the clients run (all by default): `SLUICETEST_DIFF_ONLY=0,2` narrows a failure down.
ONLY = [int(c) for c in os.environ.get("SLUICETEST_DIFF_ONLY", ",".join(map(str, range(CLIENTS)))).split(",")]
STEPS = int(os.environ.get("SLUICETEST_DIFF_STEPS", "120"))
# 202, 224: a Close of the unnamed statement after several unnamed Parses brought back a closed
# or failed one.
# 73: an earlier batch's skipped Bind of the unnamed portal, answered after a later batch bound
# it again, made the proxy refuse that later batch's Describe of it (UnnamedPortal tickets).
SEEDS = [int(s) for s in os.environ.get("SLUICETEST_DIFF_SEED", "11,23,37,73,202,224").split(",")]

# (sql template, parameter count); `{T}` is the side's own table.
EXTENDED_STATEMENTS: list[tuple[str, int]] = [
    ("SELECT 1 AS one", 0),
    ("SELECT $1::int + 1 AS n", 1),
    ("SELECT g FROM generate_series(1, $1::int) g", 1),
    ("SELECT current_setting('application_name') AS a, current_setting('TimeZone') AS tz, "
     "current_setting('statement_timeout') AS st, current_setting('DateStyle') AS ds", 0),
    ("SELECT 10 / $1::int AS q", 1),
    ("INSERT INTO {T}(v) VALUES ($1) RETURNING id, v", 1),
    ("SELECT id, v FROM {T} ORDER BY id", 0),
    ("UPDATE {T} SET v = v || '!' WHERE id = $1::int", 1),
    ("SELECT set_config('myapp.x', $1, false) AS x", 1),
    ("SELECT $1::text AS t, $2::int AS i", 2),
    ("SELECT * FROM storage.no_such_table_for_diff", 0),
    ("SELEC 1", 0),
    ("SHOW TimeZone", 0),
    ("SET application_name = 'ext_app'", 0),
    ("BEGIN", 0),
    ("COMMIT", 0),
    ("ROLLBACK", 0),
    ("SELECT now() = now() AS same, 'x'::text || $1 AS cat", 1),
]

SIMPLE_STATEMENTS: list[str] = [
    "SELECT 1",
    "SELECT 1; SELECT 2",
    "SELECT 1/0",
    "SELECT 1; SELECT 1/0; SELECT 3",
    "SET application_name = 'app_{r}'",
    "SET TimeZone = 'Europe/Paris'",
    "SET TimeZone = 'UTC'",
    "SET statement_timeout = '7s'",
    "SET DateStyle = 'SQL, DMY'",
    "SET LOCAL statement_timeout = '3s'",
    "SET LOCAL TimeZone = 'Asia/Tokyo'",
    "SET SESSION TimeZone = 'America/New_York'",
    "RESET application_name",
    "RESET TimeZone",
    "RESET ALL",
    "DISCARD ALL",
    "SHOW application_name",
    "SHOW TimeZone",
    "SHOW statement_timeout",
    "SHOW DateStyle",
    "SELECT current_setting('application_name'), current_setting('TimeZone'), now() = now()",
    "BEGIN",
    "BEGIN ISOLATION LEVEL REPEATABLE READ",
    "COMMIT",
    "ROLLBACK",
    "SAVEPOINT sp",
    "ROLLBACK TO SAVEPOINT sp",
    "RELEASE SAVEPOINT sp",
    "DECLARE c1 CURSOR FOR SELECT g FROM generate_series(1, 5) g",
    "FETCH 2 FROM c1",
    "CLOSE c1",
    "INSERT INTO {T}(v) VALUES ('simple_{r}') RETURNING id, v",
    "SELECT id, v FROM {T} ORDER BY id",
    "DELETE FROM {T} WHERE id % 3 = 0",
    "DEALLOCATE s1",
    "DEALLOCATE ALL",
    "SELECT set_config('myapp.x', 'v_{r}', false)",
    "SELECT set_config('myapp.x', 'local_{r}', true)",
    "SET myapp.x = 'set_{r}'",
    "SELEC 1",
    "",
    "BEGIN; SELECT 1; COMMIT",
    "BEGIN; SET LOCAL application_name = 'in_tx'; SHOW application_name",
]

STATEMENT_NAMES = ["", "", "s1", "s2", "s3"]
PORTAL_NAMES = ["", "", "p1"]


def _cstr(s: str) -> bytes:
    return s.encode() + b"\0"


def close_portal(name: str) -> bytes:
    return pgwire.message(b"C", b"P" + _cstr(name))


@dataclass
class Step:
    """One step of a script: `(message kind, template)` pairs; `{T}` and `{r}` are filled
    per side. `readies` is how many ReadyForQuery end it."""
    parts: list[tuple[str, object]]
    readies: int

    def render(self, table: str) -> bytes:
        out = b""
        for kind, arg in self.parts:
            if kind == "Q":
                out += pgwire.query_message(str(arg).replace("{T}", table))
            elif kind == "P":
                name, sql, types = arg  # type: ignore[misc]
                out += parse_msg(sql.replace("{T}", table), name, types)
            elif kind == "B":
                portal, stmt, params, binary = arg  # type: ignore[misc]
                out += bind_msg(tuple(params), portal, stmt, binary_results=binary)
            elif kind == "DS":
                out += describe_statement_msg(str(arg))
            elif kind == "DP":
                out += describe_portal_msg(str(arg))
            elif kind == "E":
                portal, max_rows = arg  # type: ignore[misc]
                out += execute_msg(portal, max_rows)
            elif kind == "CS":
                out += close_statement_msg(str(arg))
            elif kind == "CP":
                out += close_portal(str(arg))
            elif kind == "H":
                out += flush_msg()
            elif kind == "S":
                out += sync_msg()
        return out

    def describe(self) -> str:
        return " ".join(f"{k}{arg!r}" if arg is not None else k for k, arg in self.parts)


@dataclass
class ScriptModel:
    """What the generator believes each name holds, so most steps make sense."""
    rnd: random.Random
    statements: dict[str, tuple[str, int]] = field(default_factory=dict)
    portals: set[str] = field(default_factory=set)
    custom_set: bool = False
    startup: bool = False
    # The step just made takes a setting the startup message gave back to its default.
    reset_startup: bool = False

    def param_values(self, count: int) -> list[str | None]:
        pool = ["0", "1", "2", "3", "5", "-4", "x", None]
        return [self.rnd.choice(pool) for _ in range(count)]

    def token(self) -> str:
        return "".join(self.rnd.choice("abcdefgh") for _ in range(6))

    def simple(self) -> Step:
        sql = self.rnd.choice(SIMPLE_STATEMENTS).replace("{r}", self.token())
        if self.startup and ("RESET" in sql or "DISCARD" in sql):
            # Documented (README): a simple Query's RESET of a setting the startup message
            # gave reports the server's default in its own ParameterStatus, and one with the
            # startup value follows its ReadyForQuery; the runner checks exactly that.
            self.reset_startup = True
        if "RESET ALL" in sql or "DISCARD ALL" in sql:
            self.custom_set = False
        if "myapp.x" in sql and "true)" not in sql:
            self.custom_set = True
        if self.custom_set and self.rnd.random() < 0.3:
            # NULL and '' alike: a placeholder another client's SET left on a server
            # connection reads as '' (README, "Transaction pooling").
            sql = "SELECT coalesce(current_setting('myapp.x', true), '') AS x"
        return Step([("Q", sql)], 1)

    def extended_ops(self) -> list[tuple[str, object]]:
        ops: list[tuple[str, object]] = []
        self.portals = set()
        for _ in range(self.rnd.randint(1, 6)):
            roll = self.rnd.random()
            if roll < 0.28 or not self.statements:
                name = self.rnd.choice(STATEMENT_NAMES)
                sql, count = self.rnd.choice(EXTENDED_STATEMENTS)
                types = tuple(self.rnd.choice([0, 25]) for _ in range(count)) if self.rnd.random() < 0.2 else ()
                if sql.startswith("SELECT set_config"):
                    self.custom_set = True
                ops.append(("P", (name, sql, types)))
                self.statements[name] = (sql, count)
            elif roll < 0.55:
                stmt = self.rnd.choice(list(self.statements))
                count = self.statements[stmt][1]
                if self.rnd.random() < 0.05:
                    count += 1
                portal = self.rnd.choice(PORTAL_NAMES)
                self.portals.add(portal)
                ops.append(("B", (portal, stmt, self.param_values(count), self.rnd.random() < 0.15)))
                if self.rnd.random() < 0.5:
                    ops.append(("DP", portal))
                ops.append(("E", (portal, self.rnd.choice([0, 0, 0, 1, 2]))))
            elif roll < 0.65:
                # The unnamed portal only right after its Bind in the same batch: what a
                # failed simple Query leaves under that name crashes PostgreSQL 15 when
                # executed (test_an_unbound_unnamed_portal_is_never_executed); the proxy
                # answers that itself, the direct side must never be sent it.
                ops.append(("E", (self.rnd.choice(sorted(self.portals | {"p1"})), self.rnd.choice([0, 1]))))
            elif roll < 0.75:
                ops.append(("DS", self.rnd.choice(list(self.statements) + ["s9"])))
            elif roll < 0.82:
                # Like Execute: the unnamed portal only after its Bind in this batch (the
                # proxy answers 34000 for one the client did not bind, where the server
                # describes a failed Query's leftover).
                ops.append(("DP", self.rnd.choice(sorted(self.portals | {"p1"}))))
            elif roll < 0.9:
                name = self.rnd.choice(list(self.statements) + ["s9"])
                self.statements.pop(name, None)
                ops.append(("CS", name))
            elif roll < 0.95:
                ops.append(("CP", self.rnd.choice(PORTAL_NAMES)))
            else:
                ops.append(("H", None))
        return ops

    def extended(self) -> Step:
        parts = self.extended_ops() + [("S", None)]
        readies = 1
        # Sometimes a pipeline: a second batch behind the first Sync, sent in one write.
        while self.rnd.random() < 0.2:
            parts += self.extended_ops() + [("S", None)]
            readies += 1
        return Step(parts, readies)

    def step(self) -> Step:
        self.reset_startup = False
        return self.simple() if self.rnd.random() < 0.45 else self.extended()


def normalise(msgs: list[pgwire.Msg], table: str) -> list[tuple[str, object]]:
    out: list[tuple[str, object]] = []
    for m in msgs:
        kind = m.kind.decode()
        if kind in ("E", "N"):
            f = m.fields
            keep = {k: f[k].replace(table, "{T}") for k in ("S", "V", "C", "M", "D", "H", "P", "W") if k in f}
            out.append((kind, tuple(sorted(keep.items()))))
        elif kind == "T":
            # RowDescription: zero the table OID and column number (each side has its table).
            payload = bytearray(m.payload)
            (n,) = struct.unpack("!h", payload[:2])
            i = 2
            for _ in range(n):
                i = payload.index(0, i) + 1
                payload[i:i + 6] = b"\0" * 6
                i += 18
            out.append((kind, bytes(payload)))
        else:
            out.append((kind, m.payload.replace(table.encode(), b"{T}")))
    return out


def refused_as_documented(step: Step, sluice: list[tuple[str, object]], direct: list[tuple[str, object]],
                          began_failed: bool = False) -> bool:
    """Differences the README documents:
    - policy.md, "Pooling": in transaction pooling `DEALLOCATE name` of a name that is not
      one of the client's protocol-level statements is refused (other), where the server
      answers 26000 (or 25P02 in a failed transaction: the policy is asked first);
    - in a failed transaction, a `Describe` or `Bind` of a statement the server connection
      does not hold yet is answered 25P02 (it cannot be prepared there), where the session
      that has it describes it, or answers 08P01 first (`batch_tolerated`)."""
    if cut_short_as_documented(sluice, direct, began_failed):
        return True
    if len(sluice) == len(direct):
        def same(x: tuple[str, object], y: tuple[str, object]) -> bool:
            if x == y:
                return True
            if x[0] != "E" or y[0] != "E":
                return False
            fx, fy = dict(x[1]), dict(y[1])  # type: ignore[arg-type]
            return fx.get("C") == "25P02" and fy.get("C") == "08P01" and fy.get("M", "").startswith("bind message supplies")
        if all(same(x, y) for x, y in zip(sluice, direct)):
            return True
    if len(step.parts) != 1 or not str(step.parts[0][1]).startswith("DEALLOCATE s") or len(sluice) != len(direct):
        return False
    differing = [(x, y) for x, y in zip(sluice, direct) if x != y]
    if len(differing) != 1 or differing[0][0][0] != "E" or differing[0][1][0] != "E":
        return False
    refused, answered = dict(differing[0][0][1]), dict(differing[0][1][1])  # type: ignore[arg-type]
    return refused.get("C") == "42501" and answered.get("C") in ("26000", "25P02")


def planned_with_values(sluice: list[tuple[str, object]], direct: list[tuple[str, object]]) -> bool:
    """A data error (class 22) of a parameter's value at `Bind` on one side and at `Execute`
    on the other, before any row: PostgreSQL plans a statement's first five executions with
    the values (a cast of a parameter is folded at `Bind`), and a generic plan after that
    (evaluated at `Execute`). A statement the proxy prepares anew on a server connection
    starts that count again, while the direct session's may be past it, and the other way
    round (README, "Transaction pooling"). The messages must be the same once each side's
    `BindComplete` and portal description right before such an error are left out."""
    def without_bind(msgs: list[tuple[str, object]]) -> list[tuple[str, object]]:
        out: list[tuple[str, object]] = []
        for m in msgs:
            if m[0] == "E" and str(dict(m[1]).get("C", "")).startswith("22"):  # type: ignore[arg-type]
                if len(out) >= 2 and out[-2][0] == "2" and out[-1][0] in ("T", "n"):
                    del out[-2:]
                elif out and out[-1][0] == "2":
                    out.pop()
            out.append(m)
        return out
    return without_bind(sluice) == without_bind(direct)


def isolation_after_deallocate(sluice: list[tuple[str, object]], direct: list[tuple[str, object]],
                               deallocated_in_block: bool) -> bool:
    """A `DEALLOCATE` the proxy answers itself never reaches the server, so in a transaction
    block it does not take the block's snapshot as PostgreSQL's does: a later `BEGIN ISOLATION
    LEVEL` or `SET TRANSACTION ISOLATION LEVEL` in that block is only warned about through
    Sluice, where PostgreSQL refuses it (25001) and the block fails (README, "Transaction
    pooling"). The sessions part ways there."""
    def refused(m: tuple[str, object]) -> bool:
        return m[0] == "E" and "must be called before any query" in str(dict(m[1]).get("M"))  # type: ignore[arg-type]
    return deallocated_in_block and any(refused(m) for m in direct) and not any(refused(m) for m in sluice)


# Settings the scripts change that PostgreSQL reports with ParameterStatus.
WATCHED_PARAMETERS = ("application_name", "TimeZone", "DateStyle")


def split_parameter_status(msgs: list[tuple[str, object]]) -> tuple[list[tuple[str, object]], dict[str, str]]:
    """The messages without their ParameterStatus, and what those said (the last of each name)."""
    rest, said = [], {}
    for m in msgs:
        if m[0] == "S":
            name, value, _ = bytes(m[1]).split(b"\0", 2)  # type: ignore[arg-type]
            said[name.decode()] = value.decode()
        else:
            rest.append(m)
    return rest, said


def last_status(msgs: list[tuple[str, object]]) -> object:
    z = [payload for kind, payload in msgs if kind == "Z"]
    return z[-1] if z else None


def cut_short_as_documented(sluice: list[tuple[str, object]], direct: list[tuple[str, object]],
                            began_failed: bool) -> bool:
    """The step's batches equal up to one cut short as `batch_tolerated` allows; what follows
    that one in the step is not compared: what the cut batch skipped (a `Close`, a `ROLLBACK`,
    an unnamed `Parse` that drops the unnamed statement) happened on the direct side only."""
    sluice_batches, direct_batches = batches(sluice), batches(direct)
    failed = [began_failed] + [bool(d) and d[-1] == ("Z", b"E") for d in direct_batches[:-1]]
    for a, b, f in zip(sluice_batches, direct_batches, failed):
        if a == b:
            continue
        return batch_tolerated(a, b, f)
    return len(sluice_batches) == len(direct_batches)


def batches(msgs: list[tuple[str, object]]) -> list[list[tuple[str, object]]]:
    out: list[list[tuple[str, object]]] = [[]]
    for m in msgs:
        out[-1].append(m)
        if m[0] == "Z":
            out.append([])
    return out


def batch_tolerated(sluice: list[tuple[str, object]], direct: list[tuple[str, object]], began_failed: bool) -> bool:
    """In a failed transaction the proxy cannot prepare a statement on a server connection
    that does not hold it yet (PostgreSQL refuses every Parse there but COMMIT/ROLLBACK), so
    a Describe or Bind of it answers 25P02 where the session that has it describes it or
    reports a wrong parameter count; and a Describe of an unnamed portal the client did not
    bind is answered 34000. Only in a batch that began in a failed transaction; the rest of
    the batch is skipped then, so a ROLLBACK in it may end the direct session's transaction
    and not the proxied one's (the script stops there: the two sessions part ways)."""
    if sluice == direct:
        return True
    i = 0
    while i < min(len(sluice), len(direct)) and sluice[i] == direct[i]:
        i += 1
    rest = sluice[i:]
    if not began_failed or len(rest) != 2 or rest[0][0] != "E" or rest[1] != ("Z", b"E") \
            or not direct or direct[-1][0] != "Z":
        return False
    error = dict(rest[0][1])  # type: ignore[arg-type]
    # 34000: a Describe of the unnamed portal the client did not bind, where the server
    # describes what a failed simple Query left (test_an_unbound_unnamed_portal_is_never_executed).
    return error.get("C") == "25P02" or (error.get("C") == "34000" and error.get("M") == 'portal "" does not exist')


def show(msgs: list[tuple[str, object]]) -> str:
    parts = []
    for kind, payload in msgs:
        if kind in ("E", "N"):
            d = dict(payload)  # type: ignore[arg-type]
            parts.append(f"{kind}[{d.get('C')} {d.get('M')!r}]")
        elif kind == "S":
            parts.append(f"S[{payload!r}]")
        elif kind == "D":
            parts.append(f"D{payload!r}")
        elif kind in ("C", "Z"):
            parts.append(f"{kind}[{payload!r}]")
        else:
            parts.append(kind)
    return " ".join(parts)


class Side:
    """One connection (the proxy, or PostgreSQL directly) and the table its script writes."""

    def __init__(self, host: str, port: int, user: str, password: str, database: str, table: str,
                 **params: str):
        self.conn = pgwire.Conn(host, port, timeout=60)
        res = pgwire.scram_authenticate(self.conn, user, password, database, **params)
        if not res.ok:
            self.conn.close()
            raise AssertionError(f"login as {user} failed: {res.error and res.error.fields}")
        self.table = table
        # What the client believes of the settings it is told about (ParameterStatus).
        self.believed = {k: v for k, v in dict(res.parameters).items() if k in WATCHED_PARAMETERS}

    def run(self, step: Step) -> list[tuple[str, object]]:
        self.conn.send(step.render(self.table))
        msgs: list[pgwire.Msg] = []
        readies = 0
        while readies < step.readies:
            try:
                m = self.conn.read_message(60)
            except pgwire.Closed as e:
                msgs.append(pgwire.Msg(b"!", f"closed: {e}".encode()))
                break
            msgs.append(m)
            if m.kind == b"Z":
                readies += 1
        return normalise(msgs, self.table)

    def close(self) -> None:
        try:
            self.conn.send(pgwire.message(b"X", b""))
        except OSError:
            pass
        self.conn.close()


@pytest.fixture(scope="module")
def reference(dev: DevEnv):
    """A login role that is a member of the demo workspace's customer role, with its
    `search_path`: PostgreSQL as the proxy's client would see it without a proxy."""
    workspace = dev.proxy.user.split(".", 1)[1]
    customer = f"ws_{workspace}_customer"
    role = unique_name("diffref_")
    password = secrets.token_urlsafe(18)
    su = dev.superuser_url_for(f"ws_{workspace}")
    psql_ok(su, "-c", f"CREATE ROLE {role} LOGIN PASSWORD '{password}' IN ROLE {customer}",
            "-c", f"ALTER ROLE {role} SET search_path = ''")
    yield role, password, f"ws_{workspace}"
    psql_ok(su, "-c", f"DROP OWNED BY {role}", "-c", f"DROP ROLE IF EXISTS {role}")


@pytest.fixture(scope="module")
def one_connection(dev: DevEnv, tmp_path_factory):
    """One server connection for every client: each transaction lands where the others' went."""
    s = serve(dev, 1, tmp_path_factory.mktemp("diff"), "diff-one", query_wait_timeout=60)
    yield s
    s.stop()


@pytest.fixture(scope="module")
def connection_each(dev: DevEnv, tmp_path_factory):
    """As many server connections as clients, for the clients taking turns: one that holds a
    transaction open would otherwise wait for itself. They still move between connections."""
    s = serve(dev, CLIENTS, tmp_path_factory.mktemp("diff"), "diff-each", query_wait_timeout=60)
    yield s
    s.stop()


def run_clients(dev: DevEnv, proxy_uri: str, reference, seed: int, sequential: bool = False) -> list[str]:
    """Runs CLIENTS scripts at once, or one step of each in turn in one thread (`sequential`:
    a failure replays exactly); returns the differences found."""
    role, password, database = reference
    customer = f"ws_{database[3:]}_customer"
    up = dev.upstream
    p = PgURI.parse(proxy_uri)
    failures: list[str] = []
    tables: list[str] = []

    def client(i: int):
        rnd = random.Random(seed * 100 + i)
        suffix = unique_name("")
        proxy_table, ref_table = f"storage.dp_{suffix}", f"storage.dr_{suffix}"
        tables.extend([proxy_table, ref_table])
        # Half the clients bring settings in their startup message (applied on every server
        # connection they land on; their scripts leave RESET out, see ScriptModel.simple).
        startup = {"application_name": f"diff_{i}", "TimeZone": "Asia/Tokyo"} if i % 2 else {}
        try:
            options = {"options": p.params["options"]} if "options" in p.params else {}
            proxy = Side(p.host, p.port, p.user, p.password, p.dbname, proxy_table, **options, **startup)
            ref = Side(up.host, up.port, role, password, database, ref_table, **startup)
        except Exception as e:  # noqa: BLE001 - reported as the test's failure
            failures.append(f"client {i}: {e!r}")
            return
        try:
            for side in (proxy, ref):
                side.run(Step([("Q", "CREATE TABLE {T} (id serial PRIMARY KEY, v text)")], 1))
            # Owned by the customer role like the proxy side's (pg_dump through the proxy
            # must be able to read every table of `storage` if one is ever left behind).
            ref.run(Step([("Q", f"ALTER TABLE {{T}} OWNER TO {customer}")], 1))
            model = ScriptModel(rnd, startup=bool(startup))
            history: list[str] = []
            status: object = b"I"
            deallocated_in_block = False
            restore_due = False
            for n in range(STEPS):
                yield
                step = model.step()
                a, b = proxy.run(step), ref.run(step)
                for side, msgs in ((proxy, a), (ref, b)):
                    side.believed.update((k, v) for k, v in split_parameter_status(msgs)[1].items()
                                         if k in WATCHED_PARAMETERS)
                if restore_due:
                    # Right after the transaction that reset them, before anything else, the
                    # startup values came back with a ParameterStatus (README): not compared.
                    restore_due = False
                    while a and a[0][0] == "S":
                        a = a[1:]
                if not model.reset_startup and proxy.believed != ref.believed:
                    failures.append(f"seed {seed} client {i} step {n}: {step.describe()}\n  the client believes "
                                    f"{proxy.believed} (ParameterStatus), a direct client {ref.believed}")
                    return
                if model.reset_startup:
                    # The ParameterStatus of this step itself is the documented difference.
                    restore_due = True
                    if split_parameter_status(a)[0] == split_parameter_status(b)[0]:
                        a = b
                began_failed, status = status == b"E", last_status(b)
                if a != b and isolation_after_deallocate(a, b, deallocated_in_block):
                    return
                if status == b"I":
                    deallocated_in_block = False
                elif any("DEALLOCATE" in str(part[1]).upper() for part in step.parts):
                    deallocated_in_block = True
                if a != b and cut_short_as_documented(a, b, began_failed):
                    # A documented deviation in a failed transaction cut a batch short (what
                    # followed in it, a Close or a ROLLBACK, happened on the direct side only):
                    # the two sessions part ways here.
                    return
                if a != b and not refused_as_documented(step, a, b, began_failed) and not planned_with_values(a, b):
                    before = "".join(f"\n    {h}" for h in history[-int(os.environ.get("SLUICETEST_DIFF_HISTORY", "6")):])
                    failures.append(
                        f"seed {seed} client {i} step {n}: {step.describe()}\n"
                        f"  sluice: {show(a)}\n  direct: {show(b)}\n  the steps before:{before}")
                    return
                history.append(f"{n}: {step.describe()} -> {show(b)}")
                if a and a[-1][0] == "!":
                    return
        finally:
            proxy.close()
            ref.close()

    scripts = [client(i) for i in ONLY]
    if sequential:
        while scripts:
            for script in list(scripts):
                if next(script, StopIteration) is StopIteration:
                    scripts.remove(script)
    else:
        threads = [threading.Thread(target=lambda s=s: [None for _ in s]) for s in scripts]
        for t in threads:
            t.start()
        for t in threads:
            t.join(600)
    su = dev.superuser_url_for(database)
    psql_ok(su, "-c", "; ".join(f"DROP TABLE IF EXISTS {t}" for t in tables) or "SELECT 1")
    return failures


@pytest.mark.parametrize("seed", SEEDS)
def test_transaction_pooled_clients_on_one_server_connection_see_what_a_direct_client_sees(
        dev: DevEnv, one_connection, reference, seed: int):
    failures = run_clients(dev, one_connection.database_url, reference, seed)
    assert not failures, "\n".join(failures) + f"\nsluice log:\n{one_connection.log_tail(20)}"


@pytest.mark.parametrize("seed", SEEDS)
def test_transaction_pooled_clients_taking_turns_see_what_a_direct_client_sees(
        dev: DevEnv, connection_each, reference, seed: int):
    failures = run_clients(dev, connection_each.database_url, reference, seed, sequential=True)
    assert not failures, "\n".join(failures) + f"\nsluice log:\n{connection_each.log_tail(20)}"


@pytest.mark.parametrize("seed", SEEDS[:1])
def test_session_pooled_clients_see_what_a_direct_client_sees(dev: DevEnv, reference, seed: int):
    failures = run_clients(dev, dev.session_database_url, reference, seed)
    assert not failures, "\n".join(failures)


def test_a_data_error_at_bind_or_execute_is_tolerated_only_before_any_row():
    """`planned_with_values` forgives where a folded cast fails, nothing else."""
    err = ("E", (("C", "22P02"), ("M", 'invalid input syntax for type integer: "x"')))
    other = ("E", (("C", "42P01"), ("M", "relation does not exist")))
    ready = ("Z", b"I")
    row_description = ("T", b"\x00\x01t\x00" + b"\x00" * 18)
    assert planned_with_values([err, ready], [("2", b""), row_description, err, ready])
    assert planned_with_values([("2", b""), err, ready], [err, ready])
    assert planned_with_values([("3", b""), err, ready], [("3", b""), ("2", b""), ("n", b""), err, ready])
    # Rows before the error, another error class, or a different error: real differences.
    assert not planned_with_values([err, ready], [("2", b""), row_description, ("D", b"\x00\x00"), err, ready])
    assert not planned_with_values([other, ready], [("2", b""), other, ready])
    assert not planned_with_values([err, ready], [("2", b""), other, ready])
    assert not planned_with_values([err, ready], [row_description, err, ready])
