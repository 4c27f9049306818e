"""`ae-bot teams package`: the zip a person uploads to Teams (manifest with our app id, two icons)."""
from __future__ import annotations

import json
import re
import zipfile
from pathlib import Path

TEAMS_DIR = Path(__file__).resolve().parents[2] / "teams"
_GUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")


class PackageError(Exception):
    pass


def manifest(app_id: str, domain: str | None = None) -> dict:
    if not _GUID.match(app_id or ""):
        raise PackageError("TEAMS_APP_ID must be the bot's Microsoft App ID, a GUID like "
                           "1b2c3d4e-0000-4000-8000-000000000000.")
    m = json.loads((TEAMS_DIR / "manifest.json").read_text(encoding="utf-8"))
    m["id"] = app_id
    for bot in m["bots"]:
        bot["botId"] = app_id
    if domain:
        host = re.sub(r"^https?://", "", domain).split("/")[0]
        m["validDomains"] = [host]
    return m


def write(out: Path, app_id: str, domain: str | None = None) -> Path:
    m = manifest(app_id, domain)
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("manifest.json", json.dumps(m, indent=2, ensure_ascii=False))
        for icon in ("color.png", "outline.png"):
            z.write(TEAMS_DIR / icon, icon)
    return out
