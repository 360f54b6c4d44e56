#!/usr/bin/env python3
"""The open-loop load of bench/loadgen_bench.cc, run the way `vllm bench serve` runs it.

One aiohttp ClientSession (keep-alive, no connection limit), one asyncio task per request,
created at the request's arrival time by a scheduler that awaits asyncio.sleep until then
(constant arrivals: request i at (i + 1) / rate, as aiinfra's ConstantArrivals; poisson:
exponential gaps). Each task posts an OpenAI chat completion with stream=True and reads the SSE
stream line by line as vllm's async_request_openai_chat_completions does, timestamping each
chunk and parsing its JSON.

Unlike vllm, which sleeps each gap relative to the previous wake-up (so lateness accumulates),
the scheduler sleeps until each request's absolute arrival time: the stronger baseline.

Prints one JSON line: sent, completed, errors, wall and cpu seconds (resource.getrusage of the
process over the run, start-up excluded), achieved and intended rates, send lag p50/p99/max in
seconds (actual minus scheduled, taken where the scheduler wakes up, as aiinfra measures it).
Requests still unsent or unfinished when --max-wall seconds have passed are abandoned and
counted as errors.
"""
import argparse
import asyncio
import collections
import json
import random
import resource
import sys
import time

import aiohttp

WORDS = ("the of and to in is that for it as was with be by on not he this are or his from at "
         "which but have an had they you were their").split()


def cpu_seconds():
    u = resource.getrusage(resource.RUSAGE_SELF)
    return u.ru_utime + u.ru_stime


def quantile(sorted_values, q):
    if not sorted_values:
        return 0.0
    return sorted_values[int(q * (len(sorted_values) - 1))]


async def one_request(session, url, args, n, t0, stats):
    stats["send_times"].append(time.perf_counter() - t0)
    rng = random.Random(args.seed * 1000003 + n)
    payload = {
        "model": args.model,
        "messages": [{"role": "user", "content": " ".join(rng.choices(WORDS, k=args.input_words))}],
        "max_tokens": args.max_tokens,
        "stream": True,
        "stream_options": {"include_usage": True},
        "ignore_eos": True,
    }
    headers = {"Content-Type": "application/json"}
    st = time.perf_counter()
    ttft = 0.0
    most_recent = st
    itl = []
    text = ""
    output_tokens = 0
    try:
        async with session.post(url, json=payload, headers=headers) as response:
            if response.status != 200:
                stats["errors"][f"HTTP {response.status}"] += 1
                await response.read()
                return
            async for chunk_bytes in response.content:
                chunk_bytes = chunk_bytes.strip()
                if not chunk_bytes:
                    continue
                chunk = chunk_bytes.decode("utf-8").removeprefix("data: ")
                if chunk != "[DONE]":
                    timestamp = time.perf_counter()
                    data = json.loads(chunk)
                    if choices := data.get("choices"):
                        content = choices[0]["delta"].get("content")
                        if ttft == 0.0:
                            ttft = timestamp - st
                        else:
                            itl.append(timestamp - most_recent)
                        most_recent = timestamp
                        text += content or ""
                    elif usage := data.get("usage"):
                        output_tokens = usage.get("completion_tokens")
        stats["completed"] += 1
        stats["tokens"] += output_tokens
    except asyncio.CancelledError:
        stats["errors"]["abandoned"] += 1
        raise
    except Exception as e:  # noqa: BLE001 - a failed request is counted, as vllm does
        stats["errors"][type(e).__name__] += 1


async def run(args):
    url = args.url.rstrip("/") + "/v1/chat/completions"
    stats = {"send_times": [], "completed": 0, "errors": collections.Counter(), "tokens": 0}
    lags = []
    connector = aiohttp.TCPConnector(limit=0, force_close=False, keepalive_timeout=60)
    timeout = aiohttp.ClientTimeout(total=6 * 60 * 60)
    rng = random.Random(args.seed)
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:
        tasks = []
        cpu0 = cpu_seconds()
        t0 = time.perf_counter()
        deadline = t0 + args.max_wall
        t = 0.0
        for n in range(args.count):
            if args.arrivals == "constant":
                t = (n + 1) / args.rate
            else:
                t += rng.expovariate(args.rate)
            delay = t - (time.perf_counter() - t0)
            if delay > 0:
                await asyncio.sleep(delay)
            now = time.perf_counter()
            if now > deadline:
                break
            lags.append(max(0.0, now - t0 - t))
            tasks.append(asyncio.create_task(one_request(session, url, args, n, t0, stats)))
        remaining = max(0.0, deadline - time.perf_counter())
        done, pending = await asyncio.wait(tasks, timeout=remaining) if tasks else (set(), set())
        for task in pending:
            task.cancel()
        if pending:
            await asyncio.wait(pending)
        wall = time.perf_counter() - t0
        cpu = cpu_seconds() - cpu0
    sends = sorted(stats["send_times"])
    lags.sort()
    span = sends[-1] - sends[0] if len(sends) > 1 else 0.0
    achieved = (len(sends) - 1) / span if span > 0 else 0.0
    return {
        "client": "aiohttp",
        "aiohttp": aiohttp.__version__,
        "python": sys.version.split()[0],
        "sent": len(lags),
        "completed": stats["completed"],
        "errors": len(lags) - stats["completed"],
        "abandoned": len(pending),
        "error_kinds": dict(stats["errors"]),
        "tokens": stats["tokens"],
        "wall": wall,
        "cpu": cpu,
        "intended_rate": args.rate,
        "achieved_rate": achieved,
        "send_lag_p50": quantile(lags, 0.5),
        "send_lag_p99": quantile(lags, 0.99),
        "send_lag_max": lags[-1] if lags else 0.0,
    }


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--url", required=True, help="the endpoint's base, http://127.0.0.1:PORT")
    p.add_argument("--rate", type=float, required=True, help="requests per second")
    p.add_argument("--count", type=int, required=True, help="requests to send")
    p.add_argument("--arrivals", choices=("constant", "poisson"), default="constant")
    p.add_argument("--max-tokens", type=int, default=16)
    p.add_argument("--input-words", type=int, default=128)
    p.add_argument("--model", default="bench")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--max-wall", type=float, default=60.0,
                   help="seconds after which unsent and unfinished requests are abandoned")
    args = p.parse_args()
    print(json.dumps(asyncio.run(run(args))), flush=True)


if __name__ == "__main__":
    main()
