"""Line diffs for people: unified-diff lines tagged add / del / hunk / same for colouring.

Every diff shown goes through `opcodes`, which refuses inputs too large to compare: difflib's
SequenceMatcher is cubic in the worst case (2,000 lines of "a" against 1,000 of "a", "b"
took 105 s here), and versions are written by agents, i.e. by anyone. Lines the two sides
share at the start and the end cost nothing; what is left in between is capped at
MAX_CHANGED_LINES a side, whose worst case measured ~0.5 s (run off the event loop).
"""

from __future__ import annotations

import difflib

from mission_control.errors import Invalid

# The changed middle of a diff, in lines a side (after the shared first and last lines).
MAX_CHANGED_LINES = 300
# Either side, in characters: beyond any document or draft that can be saved.
MAX_DIFF_CHARS = 1_000_000
Opcode = tuple[str, int, int, int, int]


class TooLargeToDiff(Invalid):
    """The versions differ in too many lines to compare line by line."""


def opcodes(a: list[str], b: list[str]) -> list[Opcode]:
    """SequenceMatcher(autojunk=False) opcodes for `a` -> `b`, or TooLargeToDiff."""
    chars = max(sum(map(len, a)), sum(map(len, b)))
    head = 0
    while head < len(a) and head < len(b) and a[head] == b[head]:
        head += 1
    tail = 0
    while tail < len(a) - head and tail < len(b) - head and a[-1 - tail] == b[-1 - tail]:
        tail += 1
    middle_a, middle_b = a[head:len(a) - tail], b[head:len(b) - tail]
    changed = max(len(middle_a), len(middle_b))
    if changed > MAX_CHANGED_LINES or chars > MAX_DIFF_CHARS:
        raise TooLargeToDiff(
            f"too large to diff: {changed} lines differ (a diff shows at most {MAX_CHANGED_LINES})",
            details={"changed_lines": changed, "max_lines": MAX_CHANGED_LINES},
        )
    out: list[Opcode] = [("equal", 0, head, 0, head)] if head else []
    matcher = difflib.SequenceMatcher(None, middle_a, middle_b, autojunk=False)
    if middle_a or middle_b:
        out += [(tag, i1 + head, i2 + head, j1 + head, j2 + head) for tag, i1, i2, j1, j2 in matcher.get_opcodes()]
    if tail:
        out.append(("equal", len(a) - tail, len(a), len(b) - tail, len(b)))
    return _merged(out)


def _merged(ops: list[Opcode]) -> list[Opcode]:
    """Neighbouring runs of the same kind as one (the shared edges next to the middle's own)."""
    out: list[Opcode] = []
    for op in ops:
        if out and out[-1][0] == op[0] == "equal":
            tag, i1, _, j1, _ = out[-1]
            out[-1] = (tag, i1, op[2], j1, op[4])
        else:
            out.append(op)
    return out


def unified(a: list[str], b: list[str], *, n: int = 3, fromfile: str = "", tofile: str = "",
            lineterm: str = "\n") -> list[str]:
    """What difflib.unified_diff gives, from `opcodes` (so capped the same way: unified_diff's
    own matcher would compare the whole of both sides)."""
    out: list[str] = []
    for group in _Given(opcodes(a, b)).get_grouped_opcodes(n):
        if not out:
            out += [f"--- {fromfile}{lineterm}", f"+++ {tofile}{lineterm}"]
        first, last = group[0], group[-1]
        out.append(f"@@ -{_span(first[1], last[2])} +{_span(first[3], last[4])} @@{lineterm}")
        for tag, i1, i2, j1, j2 in group:
            if tag == "equal":
                out += [" " + line for line in a[i1:i2]]
                continue
            out += ["-" + line for line in a[i1:i2]]
            out += ["+" + line for line in b[j1:j2]]
    return out


def _span(start: int, stop: int) -> str:
    length = stop - start
    if length == 1:
        return str(start + 1)
    return f"{start + 1 if length else start},{length}"


class _Given(difflib.SequenceMatcher):  # type: ignore[type-arg]
    """A matcher whose opcodes are already known (for get_grouped_opcodes)."""

    def __init__(self, ops: list[Opcode]) -> None:
        super().__init__(None, [], [])
        self.opcodes = ops


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
    try:
        return classify(unified(old.splitlines(), new.splitlines(), lineterm="", n=2), limit)
    except TooLargeToDiff as exc:
        return [{"kind": "hunk", "text": exc.message}]
