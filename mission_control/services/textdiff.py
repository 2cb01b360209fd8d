"""Line diffs for people: unified-diff lines tagged add / del / hunk / same for colouring."""

from __future__ import annotations

import difflib


def classify(lines: list[str], limit: int = 400) -> list[dict[str, str]]:
    out: list[dict[str, str]] = []
    for line in lines:
        if line.startswith(("---", "+++")):
            continue
        kind = "hunk" if line.startswith("@@") else {"+": "add", "-": "del"}.get(line[:1], "same")
        out.append({"kind": kind, "text": line.rstrip("\n")})
        if len(out) >= limit:
            out.append({"kind": "hunk", "text": "… diff truncated"})
            break
    return out


def line_diff(old: str, new: str, limit: int = 400) -> list[dict[str, str]]:
    return classify(list(difflib.unified_diff(old.splitlines(), new.splitlines(), lineterm="", n=2)), limit)
