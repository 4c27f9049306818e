"""Services speak codes, not prose (issue 9): no English sentence, mrkdwn or `<@U…>` is raised by a
service; the renderer words every code in the reader's language."""
from __future__ import annotations

import ast
from pathlib import Path

from bot.render.problems import MESSAGES

SERVICES = Path(__file__).resolve().parents[1] / "bot" / "services"
ERRORS = {"UserError", "NotFound", "NotAllowed", "InvalidInput", "Problem", "one"}


def _name(func: ast.expr) -> str:
    return func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")


def _codes_and_prose(tree: ast.AST, where: str) -> tuple[set[str], list[str]]:
    codes, prose = set(), []
    for node in ast.walk(tree):
        if (isinstance(node, ast.Constant) and isinstance(node.value, str) and "<@" in node.value
                and not node.value.startswith("^")):   # a pattern that reads mentions is not one
            prose.append(f"{where}:{node.lineno}: a mention in a service: {node.value[:60]!r}")
        if (isinstance(node, ast.Assign) and isinstance(node.targets[0], ast.Subscript)
                and getattr(node.targets[0].value, "id", "") == "errors"
                and isinstance(node.value, (ast.Constant, ast.JoinedStr))):
            prose.append(f"{where}:{node.lineno}: prose put in errors[...]")
        if not isinstance(node, ast.Call) or _name(node.func) not in ERRORS:
            continue
        args = list(node.args)
        if _name(node.func) == "one" and args:
            args = args[1:]   # InvalidInput.one(block_id, code, ...)
        for arg in args[:1]:
            if isinstance(arg, ast.JoinedStr):   # a code put together ("invoice_{doing}_ask_admin") is fine
                text = "".join(v.value for v in arg.values if isinstance(v, ast.Constant))
                if " " in text or "<@" in text:
                    prose.append(f"{where}:{node.lineno}: an f-string sentence raised")
            elif isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                (prose.append(f"{where}:{node.lineno}: prose raised: {arg.value[:60]!r}") if " " in arg.value
                 else codes.add(arg.value))
            elif isinstance(arg, ast.Dict):
                for v in arg.values:
                    if isinstance(v, (ast.Constant, ast.JoinedStr)):
                        prose.append(f"{where}:{node.lineno}: prose in InvalidInput")
    return codes, prose


def test_services_raise_codes_that_the_renderer_words():
    codes, prose = set(), []
    for path in sorted(SERVICES.glob("*.py")):
        c, p = _codes_and_prose(ast.parse(path.read_text()), path.name)
        codes |= c
        prose += p
    assert not prose, "\n".join(prose)
    unworded = sorted(c for c in codes if c not in MESSAGES)
    assert not unworded, f"codes with no message in bot/render/problems.py: {unworded}"
