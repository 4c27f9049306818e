"""A copy of bench/fast_fake_slack.py that records WHEN things arrive (for bench/effect_latency.py).

Answers every Web API method like Slack would enough for ae-bot's `/task` and `/minutes` paths
(auth.test, users.info, chat.postMessage, views.open, conversations.open, anything else: ok), plus
POSTs to /response/<key> (response_url). It records the wall-clock arrival time (time.time(), the same
clock as the driver on this machine):
  - of each chat.postMessage whose text carries a marker `bx<run>n<N>` (one per /task request), and
  - of each views.open, by trigger id;
and counts every method. Runs in its own process; the parent talks to it over a Pipe:
"stats" -> (counts, {marker: [arrival times]}, {trigger_id: [arrival times]}), "reset", "stop".
"""
from __future__ import annotations

import asyncio
import itertools
import json
import re
import socket
import time
from collections import Counter, defaultdict

from aiohttp import web

MARK = re.compile(r"bx[0-9A-F]+n\d+")


def serve(conn, ratelimit_every: int = 0) -> None:
    counts: Counter = Counter()
    posts: dict = defaultdict(list)
    views: dict = defaultdict(list)
    calls = itertools.count(1)
    ts = itertools.count(1)

    async def read(request: web.Request) -> dict:
        if request.method == "GET":          # users.info and other reads come as GET with a query
            return dict(request.query)
        if request.content_type == "application/json":
            return json.loads(await request.read() or b"{}")
        return dict(await request.post())

    async def api(request: web.Request) -> web.Response:
        method = request.match_info["method"]
        now = time.time()
        counts[method] += 1
        data = await read(request)
        if method == "chat.postMessage":
            n = next(calls)
            if ratelimit_every and n % ratelimit_every == 0:
                return web.json_response({"ok": False, "error": "ratelimited"}, status=429,
                                         headers={"Retry-After": "1"})
            m = MARK.search(str(data.get("text", "")))
            if m:
                posts[m.group(0)].append(now)
            channel = data.get("channel", "")
            if channel.startswith("U"):
                channel = "D" + channel[1:]
            return web.json_response({"ok": True, "channel": channel, "ts": f"1764000000.{next(ts):06d}",
                                      "message": {"text": data.get("text", "")}})
        if method == "views.open":
            views[data.get("trigger_id", "")].append(now)
            return web.json_response({"ok": True, "view": {"id": f"V{next(ts):09d}", "hash": "h"}})
        if method == "auth.test":
            return web.json_response({"ok": True, "team_id": "T0ACME", "team": "Acme", "user_id": "U0BOT",
                                      "bot_id": "B0BOT", "url": "https://acme.slack.com/"})
        if method == "users.info":
            user = data.get("user", "U0")
            return web.json_response({"ok": True, "user": {"id": user, "name": user.lower(), "real_name": user,
                                                           "tz": "UTC", "tz_offset": 0, "locale": "en-US",
                                                           "profile": {"display_name": user}}})
        if method == "conversations.open":
            user = str(data.get("users", "U0")).split(",")[0]
            return web.json_response({"ok": True, "channel": {"id": "D" + user[1:]}})
        if method == "chat.getPermalink":
            return web.json_response({"ok": True, "permalink": "https://acme.slack.com/archives/C0/p1"})
        if method == "conversations.history":
            return web.json_response({"ok": True, "messages": [], "has_more": False})
        return web.json_response({"ok": True, "channel": data.get("channel", ""), "ts": f"1764000000.{next(ts):06d}"})

    async def response_url(request: web.Request) -> web.Response:
        counts["response_url"] += 1
        await request.read()
        return web.Response(text="ok")

    async def main() -> None:
        app = web.Application()
        app.router.add_route("*", "/api/{method}", api)
        app.router.add_post("/response/{key}", response_url)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        sock = socket.socket()
        sock.bind(("127.0.0.1", 0))
        site = web.SockSite(runner, sock, backlog=1024)
        await site.start()
        port = sock.getsockname()[1]
        conn.send(f"http://127.0.0.1:{port}")
        loop = asyncio.get_running_loop()
        while True:
            msg = await loop.run_in_executor(None, conn.recv)
            if msg == "stats":
                conn.send((dict(counts), dict(posts), dict(views)))
            elif msg == "reset":
                counts.clear(), posts.clear(), views.clear()
                conn.send("ok")
            else:
                break
        await runner.cleanup()

    asyncio.run(main())
