"""Cutting text into passages the embedder sees whole (all-MiniLM-L6-v2 reads ~256 tokens)."""

from __future__ import annotations

import re

PASSAGE_CHARS = 700
MAX_PASSAGES = 40  # a 500k-character document is remembered by its first ~28k characters

_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")


def passages(text: str, size: int = PASSAGE_CHARS, limit: int = MAX_PASSAGES) -> list[str]:
    """Paragraphs packed into passages of at most `size` characters, in order."""
    pieces: list[str] = []
    for para in re.split(r"\n\s*\n", text.strip()):
        para = " ".join(para.split())
        if not para:
            continue
        if len(para) <= size:
            pieces.append(para)
            continue
        for sentence in _SENTENCE_END.split(para):
            while len(sentence) > size:  # one very long sentence: cut at a word if possible
                cut = sentence.rfind(" ", 0, size)
                cut = cut if cut > size // 2 else size
                pieces.append(sentence[:cut])
                sentence = sentence[cut:].lstrip()
            if sentence:
                pieces.append(sentence)
    out: list[str] = []
    for piece in pieces:
        if out and len(out[-1]) + 1 + len(piece) <= size:
            out[-1] = f"{out[-1]} {piece}"
        else:
            if len(out) == limit:
                break
            out.append(piece)
    return out
