"""/docs/api: a readable page of the API, rendered from the OpenAPI document."""

from __future__ import annotations

from html import escape
from typing import Any

_STYLE = """
body{font-family:system-ui,sans-serif;max-width:72rem;margin:2rem auto;padding:0 1rem;color:#222}
h2{border-bottom:1px solid #ccc;padding-bottom:.2rem;margin-top:2.5rem}
.op{margin:1rem 0;padding:.6rem .8rem;border-left:4px solid #0067c5;background:#f6f8fa}
.m{font-weight:bold;display:inline-block;min-width:4.5rem}
table{border-collapse:collapse;margin:.4rem 0;font-size:.9rem}
td,th{border:1px solid #ddd;padding:.2rem .5rem;text-align:left;vertical-align:top}
code{font-size:.9rem}
"""


def render(doc: dict[str, Any]) -> str:
    info = doc["info"]
    parts = [
        "<!doctype html><html><head><meta charset='utf-8'>",
        f"<title>{escape(info['title'])}</title><style>{_STYLE}</style></head><body>",
        f"<h1>{escape(info['title'])}</h1><p>{escape(info['description'])}</p>",
        "<p>Machine-readable: <a href='/docs/api/openapi.json'>openapi.json</a></p>",
    ]
    for path, ops in doc["paths"].items():
        parts.append(f"<h2><code>{escape(path)}</code></h2>")
        for method, op in ops.items():
            parts.append(
                f"<div class='op'><span class='m'>{method.upper()}</span>"
                f"{escape(op.get('summary', ''))}"
            )
            params = op.get("parameters", [])
            if params:
                parts.append("<table><tr><th>parameter</th><th>in</th><th>description</th></tr>")
                for p in params:
                    parts.append(
                        f"<tr><td><code>{escape(p['name'])}</code></td><td>{p['in']}</td>"
                        f"<td>{escape(p.get('description', ''))}</td></tr>"
                    )
                parts.append("</table>")
            codes = ", ".join(k for k in op.get("responses", {}) if k != "default")
            parts.append(f"<div>Responses: {escape(codes)}, or ONTAP's error envelope.</div></div>")
    parts.append("<h2>Schemas</h2>")
    for name, schema in doc["components"]["schemas"].items():
        parts.append(f"<h3><code>{escape(name)}</code></h3><table>")
        parts.append("<tr><th>field</th><th>type</th><th>description</th></tr>")
        for field, sub in _leaves(schema):
            kind = sub.get("type", "object")
            if "enum" in sub:
                kind += " (" + ", ".join(sub["enum"]) + ")"
            if sub.get("readOnly"):
                kind += ", read-only"
            parts.append(
                f"<tr><td><code>{escape(field)}</code></td><td>{escape(kind)}</td>"
                f"<td>{escape(sub.get('description', ''))}</td></tr>"
            )
        parts.append("</table>")
    parts.append("</body></html>")
    return "".join(parts)


def _leaves(schema: dict[str, Any], prefix: str = "") -> list[tuple[str, dict[str, Any]]]:
    out: list[tuple[str, dict[str, Any]]] = []
    for name, sub in schema.get("properties", {}).items():
        full = f"{prefix}{name}"
        if sub.get("type") == "object" and "properties" in sub and name != "_links":
            out += _leaves(sub, full + ".")
        elif name != "_links" and "$ref" not in sub:
            out.append((full, sub))
    return out
