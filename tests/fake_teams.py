"""The far side of Teams over real HTTP: Bot Framework's OpenID metadata and signing keys (a test RSA
key served as a JWKS), Microsoft's token endpoint, and the Bot Connector.

    teams = FakeTeams(app_id="app-1", password="s3cret").start()
    token = teams.inbound_token(activity)            # what Bot Framework puts in Authorization
    teams.wait_for("send")                            # what the bot sent through the connector

The connector refuses any call whose bearer token it did not issue (401), like the real one.
"""
from __future__ import annotations

import itertools
import json
import re
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Optional
from urllib.parse import parse_qs, urlparse

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa

ISSUER = "https://api.botframework.com"


def _key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@dataclass
class Call:
    kind: str                 # token | send | reply | update | create | members
    path: str
    body: Any
    headers: dict = field(default_factory=dict)
    conversation: Optional[str] = None


class FakeTeams:
    def __init__(self, app_id: str = "00000000-0000-0000-0000-0000000000a1", password: str = "test-secret",
                 tenant_id: str = "tenant-1"):
        self.app_id, self.password, self.tenant_id = app_id, password, tenant_id
        self.key, self.kid = _key(), "test-key-1"
        self.other_key = _key()            # a key Bot Framework never published: forged tokens
        self.calls: list[Call] = []
        self.issued: dict[str, float] = {}     # bearer token → expiry
        self.token_lifetime = 3600
        self.members: dict[str, list[dict]] = {}
        self._lock = threading.Lock()
        self._ids = itertools.count(1)
        self._server: Optional[ThreadingHTTPServer] = None

    # --- lifecycle ----------------------------------------------------------------------------------
    def start(self) -> "FakeTeams":
        fake = self

        class Handler(_Handler):
            teams = fake

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server:
            self._server.shutdown()
            self._server.server_close()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    @property
    def service_url(self) -> str:
        return self.url + "/teams/"

    @property
    def openid_metadata_url(self) -> str:
        return self.url + "/v1/.well-known/openidconfiguration"

    @property
    def token_url(self) -> str:
        return self.url + "/oauth2/v2.0/token"

    # --- what the test sees -------------------------------------------------------------------------
    def calls_to(self, kind: str) -> list[Call]:
        with self._lock:
            return [c for c in self.calls if c.kind == kind]

    def wait_for(self, kind: str, count: int = 1, timeout: float = 5.0, where=None) -> list[Call]:
        deadline = time.monotonic() + timeout
        while True:
            found = [c for c in self.calls_to(kind) if where is None or where(c)]
            if len(found) >= count:
                return found
            if time.monotonic() > deadline:
                raise AssertionError(f"expected {count} {kind} call(s), saw {len(found)}: "
                                     f"{[c.kind for c in self.calls]}")
            time.sleep(0.01)

    def inbound_token(self, activity: dict | None = None, *, key=None, kid: str | None = None,
                      **claims) -> str:
        """A Bot Framework JWT for an inbound activity; claims override the right ones."""
        now = int(time.time())
        body = {"iss": ISSUER, "aud": self.app_id, "nbf": now - 5, "iat": now - 5, "exp": now + 600,
                "serviceurl": (activity or {}).get("serviceUrl", self.service_url)}
        body.update(claims)
        body = {k: v for k, v in body.items() if v is not None}
        return jwt.encode(body, key or self.key, algorithm="RS256", headers={"kid": kid or self.kid})

    # --- serving ------------------------------------------------------------------------------------
    def jwks(self) -> dict:
        public = jwt.algorithms.RSAAlgorithm.to_jwk(self.key.public_key(), as_dict=True)
        return {"keys": [{**public, "kid": self.kid, "use": "sig", "endorsements": ["msteams"]}]}

    def _issue(self) -> str:
        # A JWT like Microsoft's (the SDK reads its claims); the connector accepts only those issued here.
        now = int(time.time())
        token = jwt.encode({"aud": "https://api.botframework.com", "iss": f"{self.url}/botframework.com/",
                            "appid": self.app_id, "iat": now, "nbf": now, "exp": now + self.token_lifetime,
                            "jti": f"fake-bearer-{next(self._ids)}"}, self.other_key, algorithm="RS256")
        self.issued[token] = time.time() + self.token_lifetime
        return token

    def authorized(self, headers: dict) -> bool:
        auth = headers.get("Authorization") or ""
        expiry = self.issued.get(auth.removeprefix("Bearer "))
        return bool(expiry and expiry > time.time())

    def record(self, call: Call) -> None:
        with self._lock:
            self.calls.append(call)

    def next_id(self) -> str:
        return f"1:{next(self._ids)}"


_ACTIVITY = re.compile(r"^/teams/v3/conversations/([^/]+)/activities(?:/([^/]+))?$")
_MEMBERS = re.compile(r"^/teams/v3/conversations/([^/]+)/members$")


class _Handler(BaseHTTPRequestHandler):
    teams: FakeTeams

    def log_message(self, *args) -> None:
        pass

    def _send(self, status: int, body: Any = None) -> None:
        data = json.dumps(body if body is not None else {}).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _body(self) -> bytes:
        return self.rfile.read(int(self.headers.get("Content-Length") or 0))

    def do_GET(self) -> None:
        t, path = self.teams, urlparse(self.path).path
        if path == "/v1/.well-known/openidconfiguration":
            return self._send(200, {"issuer": ISSUER, "jwks_uri": t.url + "/v1/.well-known/keys",
                                    "id_token_signing_alg_values_supported": ["RS256"]})
        if path == "/v1/.well-known/keys":
            return self._send(200, t.jwks())
        m = _MEMBERS.match(path)
        if m:
            if not t.authorized(dict(self.headers)):
                return self._send(401, {"error": {"code": "Unauthorized"}})
            t.record(Call("members", path, None, dict(self.headers), m.group(1)))
            return self._send(200, t.members.get(m.group(1), []))
        self._send(404)

    def do_POST(self) -> None:
        t, path, raw = self.teams, urlparse(self.path).path, self._body()
        if path == "/oauth2/v2.0/token":
            form = {k: v[0] for k, v in parse_qs(raw.decode()).items()}
            t.record(Call("token", path, form, dict(self.headers)))
            if (form.get("grant_type") != "client_credentials" or form.get("client_id") != t.app_id
                    or form.get("client_secret") != t.password
                    or form.get("scope") != "https://api.botframework.com/.default"):
                return self._send(401, {"error": "invalid_client"})
            return self._send(200, {"token_type": "Bearer", "expires_in": t.token_lifetime,
                                    "ext_expires_in": t.token_lifetime, "access_token": t._issue()})
        body = json.loads(raw or b"{}")
        if path == "/teams/v3/conversations":
            if not t.authorized(dict(self.headers)):
                return self._send(401, {"error": {"code": "Unauthorized"}})
            member = ((body.get("members") or [{}])[0]).get("id", "")
            conversation = f"a:1on1-{member}"
            t.record(Call("create", path, body, dict(self.headers), conversation))
            return self._send(201, {"id": conversation})
        m = _ACTIVITY.match(path)
        if m:
            if not t.authorized(dict(self.headers)):
                return self._send(401, {"error": {"code": "Unauthorized"}})
            kind = "reply" if m.group(2) else "send"
            t.record(Call(kind, path, body, dict(self.headers), m.group(1)))
            return self._send(201, {"id": t.next_id()})
        self._send(404)

    def do_PUT(self) -> None:
        t, path, raw = self.teams, urlparse(self.path).path, self._body()
        m = _ACTIVITY.match(path)
        if m and m.group(2):
            if not t.authorized(dict(self.headers)):
                return self._send(401, {"error": {"code": "Unauthorized"}})
            t.record(Call("update", path, json.loads(raw or b"{}"), dict(self.headers), m.group(1)))
            return self._send(200, {"id": m.group(2)})
        self._send(404)
