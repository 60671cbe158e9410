#!/usr/bin/env python3
"""Open N idle PostgreSQL client connections and hold them (bench/txpool.sh).

    IDLE_PASSWORD=... bench/idle_clients.py --host 127.0.0.1 --port 6432 \
        --user customer.demo --database customer_db --count 10000 [--rss-pid PID]

Each connection sends a StartupMessage (no TLS), logs in with SCRAM-SHA-256
(also cleartext or MD5 if the server asks for them), waits for ReadyForQuery
and then stays idle. The salted password (PBKDF2) is computed once per
(password, salt, iterations) and reused, so the client's CPU goes to the
handshakes, not to 10,000 key derivations. Connections are opened with at most
--concurrency handshakes in flight, so a proxy's authentication timeout is not
hit by a queue of clients waiting for the client's own event loop.

With --rss-pid, the RSS (VmRSS of /proc/PID/status) of that process is read
right before the first connection and --settle seconds after the last one.

Output (stdout), one JSON object per line:
  {"event": "ready", "opened": ..., "failed": ..., "rss_before_kib": ..., ...}
    when every connection is open (or failed); then the connections are held
    until SIGTERM or SIGINT arrives (at most --hold seconds), and then
  {"event": "closing", "alive": ..., "closed_by_server": ...}
Progress and errors go to stderr. Standard library only.
"""

import argparse
import asyncio
import base64
import hashlib
import hmac
import json
import os
import resource
import secrets
import signal
import struct
import sys
import time

PROTOCOL_3_0 = 196608


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise RuntimeError(f"no VmRSS for pid {pid}")


class LoginError(Exception):
    pass


class Keys:
    """SCRAM keys per (password, salt, iterations), derived once."""

    def __init__(self, password):
        self.password = password.encode()
        self.cache = {}
        self.iterations_seen = set()

    def get(self, salt, iterations):
        key = (salt, iterations)
        keys = self.cache.get(key)
        if keys is None:
            salted = hashlib.pbkdf2_hmac("sha256", self.password, salt, iterations)
            client_key = hmac.new(salted, b"Client Key", hashlib.sha256).digest()
            stored_key = hashlib.sha256(client_key).digest()
            server_key = hmac.new(salted, b"Server Key", hashlib.sha256).digest()
            keys = (client_key, stored_key, server_key)
            self.cache[key] = keys
            self.iterations_seen.add(iterations)
        return keys


def message(kind, payload):
    return kind + struct.pack("!I", len(payload) + 4) + payload


async def read_message(reader):
    header = await reader.readexactly(5)
    kind = header[:1]
    (length,) = struct.unpack("!I", header[1:])
    if length < 4 or length > 1 << 20:
        raise LoginError(f"bad message length {length} for {kind!r}")
    return kind, await reader.readexactly(length - 4)


def error_text(payload):
    fields = {}
    for part in payload.split(b"\0"):
        if part:
            fields[chr(part[0])] = part[1:].decode(errors="replace")
    return f"{fields.get('S', 'ERROR')} {fields.get('C', '?')}: {fields.get('M', '')}"


async def login(host, port, user, database, keys, application_name):
    reader, writer = await asyncio.open_connection(host, port)
    try:
        params = b"user\0" + user.encode() + b"\0database\0" + database.encode() + b"\0"
        params += b"application_name\0" + application_name.encode() + b"\0\0"
        body = struct.pack("!I", PROTOCOL_3_0) + params
        writer.write(struct.pack("!I", len(body) + 4) + body)
        scram = None  # (client_first_bare, nonce)
        server_signature = None
        while True:
            kind, payload = await read_message(reader)
            if kind == b"E":
                raise LoginError(error_text(payload))
            if kind == b"Z":
                return reader, writer
            if kind != b"R":
                continue  # ParameterStatus, BackendKeyData, NoticeResponse
            (code,) = struct.unpack("!I", payload[:4])
            data = payload[4:]
            if code == 0:  # AuthenticationOk
                continue
            if code == 3:  # cleartext
                writer.write(message(b"p", keys.password + b"\0"))
            elif code == 5:  # MD5
                inner = hashlib.md5(keys.password + user.encode()).hexdigest().encode()
                outer = b"md5" + hashlib.md5(inner + data[:4]).hexdigest().encode()
                writer.write(message(b"p", outer + b"\0"))
            elif code == 10:  # AuthenticationSASL
                mechanisms = [m for m in data.split(b"\0") if m]
                if b"SCRAM-SHA-256" not in mechanisms:
                    raise LoginError(f"no SCRAM-SHA-256 among {mechanisms}")
                nonce = base64.b64encode(secrets.token_bytes(18)).decode()
                bare = f"n=,r={nonce}"
                first = ("n,," + bare).encode()
                writer.write(message(b"p", b"SCRAM-SHA-256\0" + struct.pack("!i", len(first)) + first))
                scram = (bare, nonce)
            elif code == 11:  # AuthenticationSASLContinue
                if scram is None:
                    raise LoginError("SASLContinue before SASL")
                bare, nonce = scram
                server_first = data.decode()
                attrs = dict(part.split("=", 1) for part in server_first.split(","))
                if not attrs["r"].startswith(nonce):
                    raise LoginError("server nonce does not extend the client nonce")
                salt = base64.b64decode(attrs["s"])
                iterations = int(attrs["i"])
                client_key, stored_key, server_key = keys.get(salt, iterations)
                without_proof = f"c=biws,r={attrs['r']}"
                auth_message = f"{bare},{server_first},{without_proof}".encode()
                signature = hmac.new(stored_key, auth_message, hashlib.sha256).digest()
                proof = bytes(a ^ b for a, b in zip(client_key, signature))
                server_signature = hmac.new(server_key, auth_message, hashlib.sha256).digest()
                final = f"{without_proof},p={base64.b64encode(proof).decode()}".encode()
                writer.write(message(b"p", final))
            elif code == 12:  # AuthenticationSASLFinal
                attrs = dict(part.split("=", 1) for part in data.decode().split(","))
                if server_signature is None or base64.b64decode(attrs.get("v", "")) != server_signature:
                    raise LoginError("wrong server signature in SASLFinal")
            else:
                raise LoginError(f"unsupported authentication request {code}")
    except BaseException:
        writer.close()
        raise


async def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--user", required=True)
    parser.add_argument("--database", required=True)
    parser.add_argument("--count", type=int, default=10000)
    parser.add_argument("--concurrency", type=int, default=200, help="handshakes in flight at most")
    parser.add_argument("--password-env", default="IDLE_PASSWORD", help="environment variable holding the password")
    parser.add_argument("--rss-pid", type=int, help="report this process's RSS before and after")
    parser.add_argument("--settle", type=float, default=3.0, help="seconds to wait after the last login before reading RSS")
    parser.add_argument("--hold", type=float, default=900.0, help="seconds to hold the connections at most")
    parser.add_argument("--application-name", default="idle_clients")
    args = parser.parse_args()

    password = os.environ.get(args.password_env)
    if password is None:
        parser.error(f"set the password in ${args.password_env}")
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = args.count + 100
    if soft < want:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (min(want, hard) if hard != resource.RLIM_INFINITY else want, hard))
        except (ValueError, OSError) as error:
            print(f"idle_clients: cannot raise the file limit: {error}", file=sys.stderr)
    soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < want:
        print(f"idle_clients: warning: file limit {soft} < {want}: some connections will fail", file=sys.stderr)

    keys = Keys(password)
    rss_before = rss_kib(args.rss_pid) if args.rss_pid else None
    gate = asyncio.Semaphore(args.concurrency)
    connections = []
    errors = {}
    closed_by_server = 0
    watchers = []

    async def watch(reader):
        nonlocal closed_by_server
        try:
            while True:
                chunk = await reader.read(65536)
                if not chunk:
                    break
        except (ConnectionError, OSError):
            pass
        closed_by_server += 1

    async def open_one(index):
        async with gate:
            try:
                reader, writer = await login(args.host, args.port, args.user, args.database, keys, args.application_name)
            except (LoginError, OSError, asyncio.IncompleteReadError, ValueError, KeyError) as error:
                text = f"{type(error).__name__}: {error}"
                errors[text] = errors.get(text, 0) + 1
                return
            connections.append(writer)
            watchers.append(asyncio.ensure_future(watch(reader)))
            if len(connections) % 1000 == 0:
                print(f"idle_clients: {len(connections)} open", file=sys.stderr)

    started = time.monotonic()
    await asyncio.gather(*(open_one(i) for i in range(args.count)))
    elapsed = time.monotonic() - started
    await asyncio.sleep(args.settle)
    rss_after = rss_kib(args.rss_pid) if args.rss_pid else None
    alive = len(connections) - closed_by_server
    ready = {
        "event": "ready",
        "requested": args.count,
        "opened": len(connections),
        "failed": args.count - len(connections),
        "alive": alive,
        "seconds": round(elapsed, 2),
        "scram_iterations": sorted(keys.iterations_seen),
        "errors": errors,
    }
    if args.rss_pid:
        ready["rss_before_kib"] = rss_before
        ready["rss_after_kib"] = rss_after
        ready["kib_per_client"] = round((rss_after - rss_before) / alive, 3) if alive else None
    for text, count in errors.items():
        print(f"idle_clients: {count} x {text}", file=sys.stderr)
    print(json.dumps(ready), flush=True)

    # Hold until SIGTERM/SIGINT (or --hold seconds, a safety net).
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    loop.call_later(args.hold, stop.set)
    await stop.wait()
    alive = len(connections) - closed_by_server
    print(json.dumps({"event": "closing", "alive": alive, "closed_by_server": closed_by_server}), flush=True)
    terminate = message(b"X", b"")
    for writer in connections:
        try:
            writer.write(terminate)
            writer.close()
        except (ConnectionError, OSError, RuntimeError):
            pass
    await asyncio.sleep(0.5)
    for task in watchers:
        task.cancel()


if __name__ == "__main__":
    asyncio.run(main())
