"""The Teams SDK (`microsoft-teams-apps`), hosted inside our Starlette app, with our settings only.

The SDK reads generic environment names (CLIENT_ID, CLIENT_SECRET, TENANT_ID,
DANGEROUSLY_ALLOW_UNAUTHENTICATED_REQUESTS, CLOUD, SERVICE_URL, …) and loads a `.env` from the working
directory when it is imported. None of those may switch authentication off or pick another identity
here: the SDK is imported and built with them hidden and with `load_dotenv` disabled, and gets every
value explicitly from our settings.
"""
from __future__ import annotations

import contextlib
import os
import threading

SDK_ENV = ("CLIENT_ID", "CLIENT_SECRET", "TENANT_ID", "MANAGED_IDENTITY_CLIENT_ID",
           "DANGEROUSLY_ALLOW_UNAUTHENTICATED_REQUESTS", "SKIP_AUTH", "CLOUD", "SERVICE_URL", "OAUTH_URL",
           "BOT_ENDPOINT", "PORT")
_sealing = threading.Lock()


@contextlib.contextmanager
def sealed():
    """The SDK's environment names hidden, and its import-time `.env` loading a no-op."""
    import dotenv

    with _sealing:
        hidden = {k: os.environ.pop(k) for k in SDK_ENV if k in os.environ}
        real_load = dotenv.load_dotenv
        dotenv.load_dotenv = lambda *a, **k: False
        try:
            yield
        finally:
            dotenv.load_dotenv = real_load
            os.environ.update(hidden)


class StarletteAdapter:
    """The SDK's HttpServerAdapter: it registers its messaging route here and we serve it from our
    own Starlette app (`/api/messages`), after our own token check. It never starts a server."""

    def __init__(self) -> None:
        self.routes: dict[tuple[str, str], object] = {}

    def register_route(self, method: str, path: str, handler) -> None:
        self.routes[(method, path)] = handler

    def serve_static(self, path: str, directory: str) -> None:   # no tabs served from here
        pass

    async def start(self, port: int) -> None:
        raise RuntimeError("ae-bot serves /api/messages from its own server; the SDK's is not started")

    async def stop(self) -> None:
        pass


def build_app(*, app_id: str, tokens, tenant_id: str | None, metadata_url: str, service_url: str,
              adapter: StarletteAdapter):
    """A Teams SDK App with our identity and authentication on, whatever the environment says."""
    with sealed():
        from microsoft_teams.api.auth.cloud_environment import PUBLIC, with_overrides
        from microsoft_teams.apps import App
        from microsoft_teams.common import LocalStorage

        cloud = with_overrides(PUBLIC, openid_metadata_url=metadata_url)
        return App(client_id=app_id, token=tokens.get, tenant_id=tenant_id or None,
                   dangerously_allow_unauthenticated_requests=False, cloud=cloud, service_url=service_url,
                   http_server_adapter=adapter, messaging_endpoint="/api/messages", storage=LocalStorage())

