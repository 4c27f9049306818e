"""The Teams app package: a manifest valid against Microsoft's 1.25 schema (kept in tests/fixtures,
from the npm package @microsoft/app-manifest), icons of the sizes Teams wants, and the zip."""
from __future__ import annotations

import json
import os
import struct
import subprocess
import sys
import zipfile
from pathlib import Path

import jsonschema

from bot.teams.package import TEAMS_DIR, manifest

SCHEMA = json.loads((Path(__file__).parent / "fixtures" / "teams-manifest-1.25.schema.json").read_text())
APP_ID = "1b2c3d4e-0000-4000-8000-000000000abc"


def _png_size(data: bytes) -> tuple[int, int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    w, h, _depth, color = struct.unpack(">IIBB", data[16:26])
    return w, h, color


def test_the_manifest_is_valid_and_lists_our_commands():
    m = manifest(APP_ID, "https://bot.agency.example/api/messages")
    jsonschema.Draft4Validator(SCHEMA).validate(m)
    assert m["manifestVersion"] == "1.25" and m["id"] == APP_ID and m["bots"][0]["botId"] == APP_ID
    assert m["validDomains"] == ["bot.agency.example"]
    lists = m["bots"][0]["commandLists"]
    assert len(lists) <= 3 and {s for cl in lists for s in cl["scopes"]} == {"personal", "team", "groupChat"}
    titles = {c["title"] for c in lists[0]["commands"]}
    assert {"minutes", "task", "client", "workorder", "invoice", "call", "goals", "settings", "away", "help"} == titles


def test_the_icons_are_the_sizes_teams_wants():
    assert _png_size((TEAMS_DIR / "color.png").read_bytes())[:2] == (192, 192)
    w, h, color = _png_size((TEAMS_DIR / "outline.png").read_bytes())
    assert (w, h) == (32, 32) and color == 6          # RGBA: a transparent background


def test_ae_bot_teams_package_writes_the_zip(tmp_path):
    env = {"PATH": os.environ["PATH"], "TEAMS_APP_ID": APP_ID}
    out = subprocess.run([sys.executable, "-m", "bot.cli", "teams", "package", "--out", str(tmp_path / "app.zip"),
                          "--domain", "bot.agency.example"], cwd=tmp_path, env=env, capture_output=True, text=True,
                         timeout=60)
    assert out.returncode == 0, out.stderr
    with zipfile.ZipFile(tmp_path / "app.zip") as z:
        assert sorted(z.namelist()) == ["color.png", "manifest.json", "outline.png"]
        jsonschema.Draft4Validator(SCHEMA).validate(json.loads(z.read("manifest.json")))
    bad = subprocess.run([sys.executable, "-m", "bot.cli", "teams", "package", "--out", str(tmp_path / "x.zip")],
                         cwd=tmp_path, env={"PATH": os.environ["PATH"], "TEAMS_APP_ID": "not-a-guid"},
                         capture_output=True, text=True, timeout=60)
    assert bad.returncode == 2 and "GUID" in bad.stderr and not (tmp_path / "x.zip").exists()
