"""Cutting text into passages the embedder sees whole (all-MiniLM-L6-v2 reads ~256 tokens)."""

from __future__ import annotations

import re

PASSAGE_CHARS = 700
MAX_PASSAGES = 40  # a 500k-character document is remembered by its first ~28k characters

_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")


def _split_long(para: str, size: int) -> list[str]:
    """A long paragraph packed sentence by sentence (a huge sentence is cut at a word)."""
    out: list[str] = []
    for sentence in _SENTENCE_END.split(para):
        while len(sentence) > size:
            cut = sentence.rfind(" ", 0, size)
            cut = cut if cut > size // 2 else size
            out.append(sentence[:cut])
            sentence = sentence[cut:].lstrip()
        if not sentence:
            continue
        if out and len(out[-1]) + 1 + len(sentence) <= size:
            out[-1] = f"{out[-1]} {sentence}"
        else:
            out.append(sentence)
    return out


def passages(text: str, size: int = PASSAGE_CHARS, limit: int = MAX_PASSAGES) -> list[str]:
    """Passages of at most `size` characters, in order. Short paragraphs are packed together;
    a long one is split on its own, so one topic's passage does not start in another's."""
    out: list[str] = []
    whole_last = False  # is out[-1] made of whole paragraphs only?
    for para in re.split(r"\n\s*\n", text.strip()):
        para = " ".join(para.split())
        if not para:
            continue
        if len(para) <= size:
            if out and whole_last and len(out[-1]) + 1 + len(para) <= size:
                out[-1] = f"{out[-1]} {para}"
            else:
                out.append(para)
            whole_last = True
        else:
            out.extend(_split_long(para, size))
            whole_last = False
    return out[:limit]
