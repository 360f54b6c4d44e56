#!/usr/bin/env python3
"""Reliability soak of `aiinfra serve` (issue 6, item 7), bounded to 60 seconds.

Starts `aiinfra serve` (the simulated replica engine, --grace 2s) and sends, over raw sockets
(no HTTP library to smooth anything over):
  - malformed JSON, bodies that are not objects, unknown fields (400, OpenAI's error object
    naming the field), oversized bodies declared, sent and chunked (413), an oversized header
    (431), a malformed request line (400), wrong method and route (405, 404);
  - the same mistakes on Ollama's routes, answered in Ollama's shape ({"error": "..."});
  - a client that sends half a header and stalls, and one that trickles it a byte a second
    (408 once the 10 s header timeout passes, then the connection closes);
  - clients that vanish mid-stream (FIN, RST, before the first byte, mid-body): serve keeps
    serving and counts the streams cancelled (/metrics finished_reason="abort", and the exit
    summary's "cancelled");
  - SOAK_IDLE_CONNECTIONS (10,000) idle connections opened at once: /health and a generation
    answer while they are open; half are closed by the client, serve closes the rest when its
    header timeout passes;
  - finally SIGTERM with two endless streams in flight: new connections are refused, the
    streams end when the grace passes, serve exits 0 with its summary and, built with ASan
    (ASAN_OPTIONS=detect_leaks=1), prints no sanitizer report.
Usage: serve_soak.py AIINFRA. Exit status: 0 all passed, 1 a check failed, 77 a part was
skipped (the open-file limit cannot be raised for the idle connections, outside CI).
"""
import asyncio
import json
import os
import re
import resource
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import time

AIINFRA = sys.argv[1]
IDLE = int(os.environ.get("SOAK_IDLE_CONNECTIONS", "10000"))
DEADLINE = 60.0  # seconds for everything, serve's start and exit included
GRACE = 2.0  # serve --grace
HEADER_TIMEOUT = 10.0  # the HTTP server's (src/net/http_server.h), not configurable
MODEL = "llama-3.1-8b"
IN_CI = bool(os.environ.get("CI"))

passed = failed = skipped = 0
started = time.monotonic()


def log(msg):
    print(f"[{time.monotonic() - started:5.1f}s] {msg}", flush=True)


def check(name, ok, detail=""):
    global passed, failed
    if ok:
        passed += 1
        log(f"PASS {name}")
    else:
        failed += 1
        log(f"FAIL {name}" + (f": {detail}" if detail else ""))
    return ok


def skip(name, why):
    global skipped
    skipped += 1
    log(f"SKIP {name}: {why}")


# ---------------------------------------------------------------------------------------------
# HTTP/1.1 over raw sockets.


class Response:
    def __init__(self, status, headers, body):
        self.status, self.headers, self.body = status, headers, body

    def json(self):
        return json.loads(self.body)

    def __repr__(self):
        return f"{self.status} {self.body[:200]!r}"


async def read_head(reader):
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ")[1])
    headers = {}
    for line in lines[1:]:
        if ":" in line:
            k, v = line.split(":", 1)
            headers[k.strip().lower()] = v.strip()
    return status, headers


async def read_body(reader, headers):
    if headers.get("transfer-encoding", "").lower() == "chunked":
        body = b""
        while True:
            size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
            if size == 0:
                await reader.readuntil(b"\r\n")
                return body
            body += await reader.readexactly(size)
            await reader.readexactly(2)
    if "content-length" in headers:
        return await reader.readexactly(int(headers["content-length"]))
    return await reader.read()


def raw_request(method, path, body=b"", headers=None, content_length=True):
    if isinstance(body, str):
        body = body.encode()
    h = {"Host": "127.0.0.1", "Connection": "close"}
    if body and content_length:
        h["Content-Type"] = "application/json"
        h["Content-Length"] = str(len(body))
    h.update(headers or {})
    head = f"{method} {path} HTTP/1.1\r\n" + "".join(f"{k}: {v}\r\n" for k, v in h.items())
    return head.encode() + b"\r\n" + body


async def exchange(port, raw, timeout=10.0):
    """Sends `raw` (bytes, written concurrently with reading: the server may answer a body it
    refuses before the client has sent it all) and reads one response."""

    async def run():
        reader, writer = await asyncio.open_connection("127.0.0.1", port, limit=1 << 20)

        async def send():
            try:
                writer.write(raw)
                await writer.drain()
            except (ConnectionError, OSError):
                pass  # the server answered and closed before taking it all

        sender = asyncio.create_task(send())
        try:
            status, headers = await read_head(reader)
            body = await read_body(reader, headers)
        finally:
            sender.cancel()
            writer.transport.abort()
        return Response(status, headers, body)

    return await asyncio.wait_for(run(), timeout)


async def get(port, path, timeout=10.0):
    return await exchange(port, raw_request("GET", path), timeout)


async def post(port, path, body, timeout=10.0, **kw):
    if not isinstance(body, (str, bytes)):
        body = json.dumps(body)
    return await exchange(port, raw_request("POST", path, body, **kw), timeout)


def openai_error(r, status, name, param_is=None, message_has=None):
    """Checks that `r` is OpenAI's error object: {"error": {message, type, param, code}}."""
    try:
        j = r.json()
        e = j["error"]
        ok = (
            r.status == status
            and r.headers.get("content-type", "").startswith("application/json")
            and set(j) == {"error"}
            and set(e) == {"message", "type", "param", "code"}
            and isinstance(e["message"], str)
            and e["message"]
            and isinstance(e["type"], str)
        )
        if param_is is not None:
            ok = ok and e["param"] == param_is
        if message_has is not None:
            ok = ok and message_has in e["message"]
    except Exception as ex:  # noqa: BLE001 - anything unparsable is a failure
        ok, r = False, f"{r!r} ({ex})"
    return check(name, ok, repr(r))


def ollama_error(r, status, name, message_has=None):
    """Checks that `r` is Ollama's error shape: {"error": "message"}."""
    try:
        j = r.json()
        ok = (
            r.status == status
            and r.headers.get("content-type", "").startswith("application/json")
            and set(j) == {"error"}
            and isinstance(j["error"], str)
            and j["error"]
        )
        if message_has is not None:
            ok = ok and message_has in j["error"]
    except Exception as ex:  # noqa: BLE001
        ok, r = False, f"{r!r} ({ex})"
    return check(name, ok, repr(r))


def parse_metrics(text):
    out = {}
    for line in text.splitlines():
        if line and not line.startswith("#"):
            key, value = line.rsplit(" ", 1)
            out[key] = float(value)
    return out


async def metrics(port):
    r = await get(port, "/metrics")
    assert r.status == 200, r
    return parse_metrics(r.body.decode())


def metric(m, name, **labels):
    total = 0.0
    for key, value in m.items():
        if key == name or key.startswith(name + "{"):
            if all(f'{k}="{v}"' in key for k, v in labels.items()):
                total += value
    return total


# ---------------------------------------------------------------------------------------------
# The parts.


async def bad_requests(port):
    chat = {"model": MODEL, "messages": [{"role": "user", "content": "hi"}]}
    # Malformed JSON, and JSON that is not an object.
    for i, body in enumerate(['{"model": "x", "messages": [', "{'model': 1}", "", "\xff\xfe{}"]):
        openai_error(await post(port, "/v1/chat/completions", body), 400,
                     f"malformed JSON #{i} on /v1/chat/completions: 400")
    openai_error(await post(port, "/v1/completions", "{,}"), 400, "malformed JSON on /v1/completions: 400")
    for body in ["[1, 2]", "null", '"text"', "42"]:
        openai_error(await post(port, "/v1/chat/completions", body), 400, f"a body of {body}: 400")
    deep = "[" * 200_000
    openai_error(await post(port, "/v1/chat/completions", deep), 400, "200,000 nested arrays: 400")
    # Unknown fields, at the top and nested, named in the message and in param.
    openai_error(await post(port, "/v1/chat/completions", {**chat, "frobnicate": 1}), 400,
                 "unknown field: 400 naming it", param_is="frobnicate", message_has="frobnicate")
    nested = {**chat, "messages": [{"role": "user", "content": "hi", "colour": "red"}]}
    openai_error(await post(port, "/v1/chat/completions", nested), 400,
                 "unknown nested field: 400 naming it", message_has="colour")
    openai_error(await post(port, "/v1/completions", {"model": MODEL, "prompt": "x", "bogus": 1}), 400,
                 "unknown field on /v1/completions: 400 naming it", message_has="bogus")
    openai_error(await post(port, "/v1/chat/completions", {**chat, "max_tokens": "ten"}), 400,
                 "wrong type: 400 naming the field", param_is="max_tokens")
    openai_error(await post(port, "/v1/chat/completions", {**chat, "model": "nope"}), 404,
                 "unknown model: 404 model_not_found", param_is="model")
    # Oversized: declared only (answered at once), sent whole, and chunked without a length.
    big = json.dumps({**chat, "messages": [{"role": "user", "content": "x" * (5 << 20)}]}).encode()
    declared = raw_request("POST", "/v1/chat/completions", headers={
        "Content-Type": "application/json", "Content-Length": str(len(big))})
    openai_error(await exchange(port, declared), 413, "a Content-Length over --max-body: 413 before the body")
    openai_error(await post(port, "/v1/chat/completions", big), 413, "a 5 MiB body: 413")
    chunked = b"".join(b"%x\r\n%s\r\n" % (len(big[i:i + 65536]), big[i:i + 65536])
                       for i in range(0, len(big), 65536)) + b"0\r\n\r\n"
    openai_error(await exchange(port, raw_request("POST", "/v1/chat/completions", chunked, headers={
        "Content-Type": "application/json", "Transfer-Encoding": "chunked"}, content_length=False)),
        413, "a 5 MiB chunked body: 413")
    # Oversized header, malformed request line, wrong method, unknown route.
    r = await exchange(port, raw_request("GET", "/health", headers={"X-Padding": "a" * 20000}))
    openai_error(r, 431, "a 20 KB header: 431")
    openai_error(await exchange(port, b"HELLO\r\n\r\n"), 400, "a malformed request line: 400")
    openai_error(await get(port, "/v1/chat/completions"), 405, "GET on a POST route: 405")
    openai_error(await get(port, "/v2/nothing"), 404, "an unknown route: 404")
    # The server still answers a good request after all that.
    r = await post(port, "/v1/chat/completions", {**chat, "max_tokens": 3})
    check("a good request after the bad ones: 200", r.status == 200 and r.json()["usage"]["completion_tokens"] >= 1, repr(r))

    # Ollama's routes answer the same mistakes in Ollama's shape.
    ochat = {"model": MODEL, "messages": [{"role": "user", "content": "hi"}], "stream": False}
    for path in ["/api/chat", "/api/generate", "/api/show"]:
        ollama_error(await post(port, path, '{"model": '), 400, f"malformed JSON on {path}: 400 {{error}}")
    ollama_error(await post(port, "/api/chat", "[1]"), 400, "a non-object body on /api/chat: 400 {error}")
    ollama_error(await post(port, "/api/chat", {**ochat, "frobnicate": 1}), 400,
                 "unknown field on /api/chat: 400 {error} naming it", message_has="frobnicate")
    ollama_error(await post(port, "/api/generate", {"model": MODEL, "prompt": "x", "options": {"bogus": 1}}), 400,
                 "unknown option on /api/generate: 400 {error} naming it", message_has="bogus")
    ollama_error(await post(port, "/api/chat", {**ochat, "model": "nope"}), 404, "unknown model on /api/chat: 404 {error}")
    ollama_error(await post(port, "/api/generate", {"model": "nope", "prompt": "x"}), 404, "unknown model on /api/generate: 404 {error}")
    ollama_error(await post(port, "/api/show", {"model": "nope"}), 404, "unknown model on /api/show: 404 {error}")
    ollama_error(await post(port, "/api/generate", {"prompt": "x"}), 400, "missing model on /api/generate: 400 {error}")
    ollama_error(await post(port, "/api/chat", big), 413, "a 5 MiB body on /api/chat: 413 {error}")
    ollama_error(await post(port, "/api/tags", "{}"), 404, "POST on /api/tags: 404 {error}")
    r = await post(port, "/api/chat", {**ochat, "options": {"num_predict": 2}})
    check("a good /api/chat after the bad ones: 200", r.status == 200 and r.json()["done"] is True, repr(r))


async def slow_header(port, trickle):
    """Half a header, then nothing (or a byte a second): 408 when the header timeout passes."""
    name = "a header trickled a byte a second" if trickle else "half a header, then a stall"
    t0 = time.monotonic()
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    head = b"POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Ty"
    writer.write(head[:20] if trickle else head)
    await writer.drain()

    async def drip():
        for b in head[20:] + b"pe: application/json\r\n":
            await asyncio.sleep(1.0)
            try:
                writer.write(bytes([b]))
                await writer.drain()
            except (ConnectionError, OSError):
                return

    dripper = asyncio.create_task(drip()) if trickle else None
    try:
        status, headers = await asyncio.wait_for(read_head(reader), HEADER_TIMEOUT + 8)
        body = await asyncio.wait_for(read_body(reader, headers), 5)
        r = Response(status, headers, body)
        took = time.monotonic() - t0
        openai_error(r, 408, f"{name}: 408 after {took:.1f} s")
        check(f"{name}: answered when the 10 s header timeout passed",
              HEADER_TIMEOUT - 0.5 <= took <= HEADER_TIMEOUT + 5, f"{took:.1f} s")
        rest = await asyncio.wait_for(reader.read(), 5)
        check(f"{name}: the connection is closed after the 408", rest == b"", repr(rest[:100]))
    except (asyncio.TimeoutError, ConnectionError, asyncio.IncompleteReadError) as e:
        check(f"{name}: 408", False, f"{type(e).__name__} after {time.monotonic() - t0:.1f} s")
    finally:
        if dripper:
            dripper.cancel()
        writer.transport.abort()


def stream_request(path, max_tokens, stream=True):
    """A generation request for `path`. OpenAI's with ignore_eos run exactly max_tokens; Ollama's
    have no ignore_eos and end at a drawn length (median 180 tokens, cut at num_predict)."""
    messages = [{"role": "user", "content": "tell me a story"}]
    if path == "/api/chat":
        body = {"model": MODEL, "messages": messages, "stream": stream, "options": {"num_predict": max_tokens}}
    elif path == "/api/generate":
        body = {"model": MODEL, "prompt": "tell me a story", "stream": stream, "options": {"num_predict": max_tokens}}
    elif path == "/v1/completions":
        body = {"model": MODEL, "prompt": "tell me a story", "max_tokens": max_tokens, "ignore_eos": True, "stream": stream}
    else:
        body = {"model": MODEL, "messages": messages, "max_tokens": max_tokens, "ignore_eos": True, "stream": stream}
    return raw_request("POST", path, json.dumps(body))


async def vanish(port, path, how, events=3):
    """Opens a long stream, reads `events` events of it (unless `how` says sooner), vanishes."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    sock = writer.get_extra_info("socket")
    if how == "half-body":
        raw = stream_request(path, 2000)
        writer.write(raw[: len(raw) - 40])
        await writer.drain()
        await asyncio.sleep(0.05)
        writer.transport.abort()
        return
    writer.write(stream_request(path, 100_000))
    await writer.drain()
    if how == "before":  # gone before the first byte of the answer
        writer.transport.abort()
        return
    status, headers = await asyncio.wait_for(read_head(reader), 10)
    assert status == 200, status
    seen = b""
    marker = b"data: " if path.startswith("/v1/") else b'"done":false'
    while seen.count(marker) < events:
        chunk = await asyncio.wait_for(reader.read(4096), 10)
        if not chunk:
            raise ConnectionError("the stream ended early")
        seen += chunk
    if how == "rst":  # SO_LINGER 0: the close resets the connection
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    writer.transport.abort()


async def vanishing_clients(port):
    m0 = await metrics(port)
    aborted0 = metric(m0, "vllm:request_success_total", finished_reason="abort")
    plan = ([("/v1/chat/completions", "fin")] * 8 + [("/v1/chat/completions", "rst")] * 4
            + [("/v1/completions", "fin")] * 2 + [("/api/chat", "fin")] * 4
            + [("/api/generate", "rst")] * 2 + [("/v1/chat/completions", "before")] * 4
            + [("/api/chat", "before")] * 2)
    half = [("/v1/chat/completions", "half-body")] * 3
    results = await asyncio.gather(*(vanish(port, p, h) for p, h in plan + half), return_exceptions=True)
    errors = [repr(r) for r in results if isinstance(r, BaseException)]
    check(f"{len(plan)} streams opened and abandoned (FIN, RST, before the answer), "
          f"{len(half)} bodies cut short", not errors, "; ".join(errors[:3]))
    # Serve keeps serving ...
    r = await post(port, "/v1/chat/completions",
                   {"model": MODEL, "messages": [{"role": "user", "content": "hi"}], "max_tokens": 5, "ignore_eos": True})
    check("serve answers while the abandoned streams wind down", r.status == 200 and r.json()["usage"]["completion_tokens"] == 5, repr(r))
    # ... and counts every abandoned stream cancelled, none left running.
    m = None
    for _ in range(100):
        m = await metrics(port)
        aborted = metric(m, "vllm:request_success_total", finished_reason="abort") - aborted0
        if aborted >= len(plan) and metric(m, "vllm:num_requests_running") == 0:
            break
        await asyncio.sleep(0.1)
    check(f"the {len(plan)} abandoned streams are counted finished_reason=\"abort\"",
          aborted == len(plan), f"{aborted} counted")
    check("no request left running", metric(m, "vllm:num_requests_running") == 0 and
          metric(m, "vllm:num_requests_waiting") == 0,
          f"running {metric(m, 'vllm:num_requests_running')}, waiting {metric(m, 'vllm:num_requests_waiting')}")
    return len(plan)


def rss_mib(pid):
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return float("nan")


async def idle_flood(port, pid, n):
    loop = asyncio.get_running_loop()
    rss0 = rss_mib(pid)

    async def connect():
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.setblocking(False)
        try:
            await loop.sock_connect(s, ("127.0.0.1", port))
        except BaseException:
            s.close()
            raise
        return s

    t0 = time.monotonic()
    results = await asyncio.wait_for(asyncio.gather(*(connect() for _ in range(n)), return_exceptions=True), 25)
    socks = [s for s in results if isinstance(s, socket.socket)]
    errors = [r for r in results if not isinstance(r, socket.socket)]
    took = time.monotonic() - t0
    check(f"{n} idle connections opened at once ({took:.1f} s)", len(socks) == n,
          f"{len(errors)} failed, e.g. {errors[:1]!r}")
    try:
        t1 = time.monotonic()
        r = await get(port, "/health", timeout=10)
        lat = time.monotonic() - t1
        check(f"/health answers while they are open ({lat * 1000:.0f} ms)", r.status == 200 and lat < 5, repr(r))
        r = await post(port, "/v1/chat/completions",
                       {"model": MODEL, "messages": [{"role": "user", "content": "hi"}], "max_tokens": 4, "ignore_eos": True},
                       timeout=10)
        check("a generation answers while they are open", r.status == 200, repr(r))
        log(f"serve's RSS {rss0:.0f} MiB before, {rss_mib(pid):.0f} MiB with {len(socks)} idle connections")
        # The client closes half (FIN and RST alternately) ...
        keep = socks[len(socks) // 2:]
        for i, s in enumerate(socks[: len(socks) // 2]):
            if i % 2:
                s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            s.close()
        r = await get(port, "/health", timeout=10)
        check("/health answers after the client closed half", r.status == 200, repr(r))

        # ... serve closes the other half when its header timeout passes (nothing was sent).
        async def closed_by_server(s):
            try:
                data = await loop.sock_recv(s, 1)
                return data == b""
            except ConnectionResetError:
                return True

        remaining = max(1.0, t0 + HEADER_TIMEOUT + 8 - time.monotonic())
        try:
            closed = await asyncio.wait_for(asyncio.gather(*(closed_by_server(s) for s in keep)), remaining)
            n_closed = sum(closed)
        except asyncio.TimeoutError:
            n_closed = -1
        check(f"serve closed the other {len(keep)} when the header timeout passed "
              f"({time.monotonic() - t0:.1f} s after they opened)", n_closed == len(keep), f"{n_closed} closed")
    finally:
        for s in socks:
            s.close()
    r = await get(port, "/health", timeout=10)
    check("/health answers after the idle connections are gone", r.status == 200, repr(r))
    return len(socks)


async def shutdown(port, proc, out_path, err_path, cancelled_at_least, connections_at_least):
    # Two streams that would run for minutes, in flight when SIGTERM comes.
    streams = []
    for path in ["/v1/chat/completions", "/v1/completions"]:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(stream_request(path, 100_000))
        await writer.drain()
        status, _ = await asyncio.wait_for(read_head(reader), 10)
        await asyncio.wait_for(reader.read(1024), 10)
        streams.append((path, status, reader, writer))
    check("two endless streams in flight", all(s[1] == 200 for s in streams))
    check("serve is running before SIGTERM", proc.poll() is None, f"exited {proc.returncode}")
    t0 = time.monotonic()
    proc.send_signal(signal.SIGTERM)
    await asyncio.sleep(0.3)
    try:
        _, w = await asyncio.wait_for(asyncio.open_connection("127.0.0.1", port), 2)
        w.transport.abort()
        refused = False
    except (ConnectionRefusedError, asyncio.TimeoutError):
        refused = True
    check("new connections are refused while draining", refused)

    async def drained(reader):
        while await reader.read(65536):
            pass
        return time.monotonic() - t0

    ends = await asyncio.gather(*(asyncio.wait_for(drained(r), GRACE + 5) for _, _, r, _ in streams),
                                return_exceptions=True)
    check(f"the streams end when the {GRACE:.0f} s grace passes",
          all(isinstance(e, float) and GRACE - 0.5 <= e <= GRACE + 2 for e in ends), repr(ends))
    for *_, w in streams:
        w.transport.abort()
    rc = None
    while time.monotonic() - t0 < GRACE + 5 and rc is None:
        await asyncio.sleep(0.05)
        rc = proc.poll()
    took = time.monotonic() - t0
    check(f"serve exits within the grace after SIGTERM ({took:.1f} s)", rc is not None and took <= GRACE + 2,
          f"still running after {took:.1f} s" if rc is None else "")
    if rc is None:
        proc.kill()
        rc = proc.wait()
    check("serve exits 0", rc == 0, f"exit status {rc}")
    with open(out_path) as f:
        out = f.read()
    with open(err_path, errors="replace") as f:
        err = f.read()
    try:
        summary = json.loads(out)
    except ValueError:
        summary = {}
    check("serve printed its summary", summary.get("stopped") == "SIGTERM", out[-500:])
    check(f"the summary counts at least {cancelled_at_least} cancelled",
          summary.get("cancelled", -1) >= cancelled_at_least, repr(summary))
    check(f"the summary counts at least {connections_at_least} connections",
          summary.get("connections", -1) >= connections_at_least, repr(summary))
    reports = re.findall(r"^.*(?:ERROR: (?:Address|Leak)Sanitizer|runtime error:|SUMMARY: \w+Sanitizer).*$", err, re.M)
    check("no sanitizer report on stderr", not reports, "\n".join(reports[:5]))
    if failed:
        log("serve's stderr (last lines):\n" + "\n".join(err.splitlines()[-25:]))


async def main(proc, port, out_path, err_path):
    slow = [asyncio.create_task(slow_header(port, trickle)) for trickle in (False, True)]
    await bad_requests(port)
    cancelled = await vanishing_clients(port)
    if want_idle:
        opened = await idle_flood(port, proc.pid, IDLE)
    else:
        opened = 0
        skip(f"{IDLE} idle connections", f"the open-file limit ({nofile_hard}) is too low")
    await asyncio.gather(*slow)
    await shutdown(port, proc, out_path, err_path, cancelled, opened)


def raise_nofile(need):
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = need if hard == resource.RLIM_INFINITY else min(max(soft, need), hard)
    if target > soft:
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0] >= need, hard


if __name__ == "__main__":
    # Serve (a child) inherits the limit: both ends hold one descriptor per idle connection.
    want_idle, nofile_hard = raise_nofile(IDLE + 1024) if IDLE > 0 else (False, 0)
    if IDLE > 0 and not want_idle and IN_CI:
        check(f"raise the open-file limit to {IDLE + 1024} (hard limit {nofile_hard})", False)
        sys.exit(1)
    tmp = tempfile.mkdtemp(prefix="aiinfra-soak-")
    out_path, err_path = os.path.join(tmp, "serve.out"), os.path.join(tmp, "serve.err")
    with open(out_path, "w") as out, open(err_path, "w") as err:
        proc = subprocess.Popen([AIINFRA, "serve", "--port", "0", "--grace", f"{GRACE:g}s", "-o", "json"],
                                stdout=out, stderr=err)
    port = None
    while time.monotonic() - started < 30 and proc.poll() is None:
        with open(err_path, errors="replace") as f:
            m = re.search(r"listening on http://127\.0\.0\.1:(\d+)", f.read())
        if m:
            port = int(m.group(1))
            break
        time.sleep(0.05)
    if port is None:
        check("serve starts", False, open(err_path, errors="replace").read()[-2000:])
        proc.kill()
        sys.exit(1)
    log(f"serve (pid {proc.pid}) listening on port {port}")
    try:
        asyncio.run(asyncio.wait_for(main(proc, port, out_path, err_path), DEADLINE - (time.monotonic() - started)))
    except asyncio.TimeoutError:
        check(f"the soak finishes within {DEADLINE:.0f} s", False)
    except Exception as e:  # noqa: BLE001 - report, then fail
        check("the soak ran to its end", False, f"{type(e).__name__}: {e}")
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    log(f"{passed} passed, {failed} failed, {skipped} skipped in {time.monotonic() - started:.1f} s")
    sys.exit(1 if failed else 77 if skipped else 0)
