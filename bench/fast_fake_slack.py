"""A minimal, fast fake of chat.postMessage for throughput benchmarks (aiohttp, its own process).

tests/fake_slack.py checks every payload and records every call, which caps it near 1,100 requests/s
on this machine — below what the tick fan-out benchmark has to measure. This one only answers like
Slack (ok + channel + ts), counts messages per channel, and can answer every Nth call with a 429.
"""
from __future__ import annotations

import asyncio
import itertools
import json
import socket
from collections import Counter

from aiohttp import web


def serve(conn, ratelimit_every: int = 0) -> None:
    """Run in a child process: sends its API URL on `conn`, then answers "count" with (calls answered, messages per channel)."""
    posts: Counter = Counter()
    calls = itertools.count(1)
    answered = [0]
    ts = itertools.count(1)

    async def post_message(request: web.Request) -> web.Response:
        n = next(calls)
        answered[0] = n
        if ratelimit_every and n % ratelimit_every == 0:
            return web.json_response({"ok": False, "error": "ratelimited"}, status=429, headers={"Retry-After": "1"})
        body = await request.read()
        data = json.loads(body) if request.content_type == "application/json" else dict(await request.post())
        channel = data.get("channel", "")
        posts[channel] += 1
        return web.json_response({"ok": True, "channel": channel, "ts": f"1764000000.{next(ts):06d}"})

    async def main() -> None:
        app = web.Application()
        app.router.add_post("/api/chat.postMessage", post_message)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        sock = socket.socket()
        sock.bind(("127.0.0.1", 0))
        site = web.SockSite(runner, sock, backlog=1024)
        await site.start()
        conn.send(f"http://127.0.0.1:{sock.getsockname()[1]}/api/")
        loop = asyncio.get_running_loop()
        while True:
            msg = await loop.run_in_executor(None, conn.recv)
            if msg == "count":
                conn.send((answered[0], dict(posts)))
            else:
                break
        await runner.cleanup()

    asyncio.run(main())
