"""Checks of what a person sees, in any language: Slack's length limits on every surface."""
from __future__ import annotations

LIMITS = {"modal_title": 24, "modal_button": 24, "button": 75, "option": 75, "header": 150,
          "placeholder": 150, "label": 2000, "section": 3000}


def problems(surface: dict | list, path: str = "") -> list[str]:
    """Every text in a message, modal or home view that passes Slack's limits, with where it is."""
    found: list[str] = []

    def text(node) -> str:
        return node.get("text", "") if isinstance(node, dict) else str(node or "")

    def check(kind: str, value: str, where: str) -> None:
        if len(value) > LIMITS[kind]:
            found.append(f"{where}: {kind} of {len(value)} characters > {LIMITS[kind]}: {value!r}")
        if not value.strip() and kind != "section":
            found.append(f"{where}: empty {kind}")

    def walk(node, where: str) -> None:
        if isinstance(node, list):
            for i, n in enumerate(node):
                walk(n, f"{where}[{i}]")
            return
        if not isinstance(node, dict):
            return
        if node.get("type") == "modal":
            check("modal_title", text(node.get("title")), f"{where}.title")
            for k in ("submit", "close"):
                if node.get(k):
                    check("modal_button", text(node[k]), f"{where}.{k}")
        kind = node.get("type")
        if kind == "button":
            check("button", text(node.get("text")), f"{where}.text")
        if kind == "header":
            check("header", text(node.get("text")), f"{where}.text")
        if kind == "section" and isinstance(node.get("text"), dict):
            check("section", text(node["text"]), f"{where}.text")
        if "placeholder" in node and isinstance(node["placeholder"], dict):
            check("placeholder", text(node["placeholder"]), f"{where}.placeholder")
        for opt in node.get("options") or []:
            if isinstance(opt, dict) and "text" in opt and "value" in opt:
                check("option", text(opt["text"]), f"{where}.option")
        for k, v in node.items():
            if isinstance(v, (dict, list)) and k not in ("placeholder",):
                walk(v, f"{where}.{k}")

    walk(surface, path or "surface")
    return found
