"""How vectors kept in SQLite are packed: int8 with one scale per vector, projected onto the
archive's principal components once the archive is large enough to fit them.

SQLite keeps a passage vector (exact filtered dense search) and a vector per sentence (quote
selection without embedding sentences at ask time). As float16 they took ~4.3 KB per passage,
more than the whole disk budget (350 MB per 100k passages, chromadb included). int8 with a
float32 scale per vector halves that again, and the cosines it gives differ from float32 ones
by ~1e-3, far below what moves a ranking of sentences.

Layout: one format byte (1), then per vector a little-endian float32 scale and ``dimension``
int8 values. With an even dimension (every model's) that length is odd, while older archives
hold float16 blobs (``2 * dimension`` bytes per vector, always even): the length's parity tells
them apart, and both decode.

Even int8 copies took ~2.3 KB per passage (a vector per sentence), two thirds of the disk
budget. Format 3 keeps each vector's coordinates on the archive's first ``PROJECTED_DIMENSION``
principal components (fitted on its own sentence vectors, stored once in ``meta``) as int4, two
a byte: 68 bytes instead of 388. Decoding maps them back into the model's space and
renormalises, so every consumer still sees unit vectors of the model's dimension. At the same
68 bytes, 128 int4 coordinates kept sentence choice closer to full vectors than 64 int8 ones
on XQuAD-en with news distractors (picking by sentence vector alone, A@1/A@3: full 0.691/0.871,
128 int4 0.650/0.854, 64 int8 0.606/0.806; product quantisation at 48 bytes 0.635/0.854).
"""

from __future__ import annotations

import base64
import time
from dataclasses import dataclass

import numpy as np

INT8 = 1
PROJECTED = 3
PROJECTED_DIMENSION = 128


@dataclass(frozen=True)
class Projection:
    """The mean and the first principal components (rows) of an archive's sentence vectors."""

    mean: np.ndarray
    components: np.ndarray

    @classmethod
    def fit(cls, vectors: np.ndarray, dimension: int = PROJECTED_DIMENSION) -> Projection:
        rows = np.asarray(vectors, dtype=np.float64)
        if len(rows) <= dimension:
            raise ValueError(f"fitting {dimension} components needs more than {dimension} vectors")
        mean = rows.mean(axis=0)
        _, _, right = np.linalg.svd(rows - mean, full_matrices=False)
        return cls(mean.astype(np.float32), right[:dimension].astype(np.float32))

    def to_text(self) -> str:
        """``dimension:base64`` of the float32 mean and components (a ``meta`` value)."""
        raw = np.vstack([self.mean, self.components]).astype("<f4").tobytes()
        return f"{len(self.mean)}:{base64.b64encode(raw).decode('ascii')}"

    @classmethod
    def from_text(cls, text: str) -> Projection:
        dimension, _, data = text.partition(":")
        rows = np.frombuffer(base64.b64decode(data), dtype="<f4").reshape(-1, int(dimension))
        return cls(rows[0].copy(), rows[1:].copy())

    def project(self, vectors: np.ndarray) -> np.ndarray:
        rows = np.atleast_2d(np.asarray(vectors, dtype=np.float32))
        return (rows - self.mean) @ self.components.T

    def cosines(self, coordinates: np.ndarray, query: np.ndarray) -> np.ndarray:
        """Cosines between ``query`` and the restored vectors, computed in the projected space
        (the components are orthonormal): at 12k vectors a sixth of restoring them first."""
        along = self.components @ query
        mean_dot = float(self.mean @ query)
        mean_along = self.components @ self.mean
        norms_sq = np.square(coordinates).sum(axis=1)  # (einsum is ~15x slower here)
        norms_sq += 2.0 * (coordinates @ mean_along) + float(self.mean @ self.mean)
        norms = np.sqrt(np.maximum(norms_sq, 1e-12))
        return (coordinates @ along + mean_dot) / norms

    def restore(self, coordinates: np.ndarray) -> np.ndarray:
        """Coordinates back in the model's space, as unit vectors."""
        vectors = coordinates @ self.components + self.mean
        norms = np.linalg.norm(vectors, axis=1, keepdims=True)
        return (vectors / np.where(norms > 0, norms, 1.0)).astype(np.float32)


def pack(vectors: np.ndarray, projection: Projection | None = None) -> bytes:
    """``(n, d)`` (or ``(d,)``) float vectors as one blob: int8 values, or int4 coordinates on
    the archive's components when given its ``projection``."""
    rows = np.atleast_2d(np.asarray(vectors, dtype=np.float32))
    if projection is not None:
        rows = projection.project(rows)
    if rows.shape[1] % 2:
        raise ValueError("packing needs an even dimension (parity marks the format)")
    levels = 7 if projection is not None else 127
    peak = np.abs(rows).max(axis=1)
    scale = np.where(peak > 0, peak / levels, 1.0).astype("<f4")
    values = np.clip(np.rint(rows / scale[:, None]), -levels, levels).astype(np.int8)
    if projection is not None:  # two coordinates a byte, each offset to 1..15
        nibbles = (values + 8).astype(np.uint8)
        packed = (nibbles[:, 0::2] << 4) | nibbles[:, 1::2]
    else:
        packed = values.view(np.uint8)
    body = np.hstack([scale[:, None].view(np.uint8), packed]).tobytes()
    return bytes([PROJECTED if projection is not None else INT8]) + body


def is_projected(blob: bytes) -> bool:
    return len(blob) % 2 == 1 and blob[0] == PROJECTED


def unpack(blob: bytes, count: int, projection: Projection | None = None) -> np.ndarray:
    """The ``count`` vectors of a blob (int8, projected, or legacy float16) as float32
    ``(count, d)``; a projected blob needs the archive's ``projection``."""
    if count == 0:
        return np.zeros((0, 0), dtype=np.float32)
    if len(blob) % 2 == 0:  # float16, as archives synced before int8 hold them
        return np.frombuffer(blob, dtype="<f2").astype(np.float32).reshape(count, -1)
    width = (len(blob) - 1) // count  # 4 scale bytes + the values
    raw = np.frombuffer(blob, dtype=np.uint8, offset=1).reshape(count, width)
    return _restored(raw, blob[0], projection)


def unpack_rows(blobs: list[bytes], projection: Projection | None = None) -> np.ndarray:
    """One vector per blob (as the passage vector table holds them), stacked."""
    if not blobs:
        return np.zeros((0, 0), dtype=np.float32)
    width = len(blobs[0])
    if any(len(b) != width or b[0] != blobs[0][0] for b in blobs):
        return np.vstack([unpack(b, 1, projection) for b in blobs])
    joined = b"".join(blobs)
    if width % 2 == 0:
        return np.frombuffer(joined, dtype="<f2").astype(np.float32).reshape(len(blobs), -1)
    raw = np.frombuffer(joined, dtype=np.uint8).reshape(len(blobs), width)[:, 1:]
    return _restored(raw, blobs[0][0], projection)


def cosines(blobs: list[bytes], query: np.ndarray, projection: Projection | None) -> np.ndarray:
    """Cosines between a unit ``query`` and one stored unit vector per blob, without restoring
    projected vectors to the model's dimension."""
    if not blobs:
        return np.zeros(0, dtype=np.float32)
    query = np.asarray(query, dtype=np.float32)
    width = len(blobs[0])
    uniform = all(len(b) == width and b[0] == blobs[0][0] for b in blobs)
    if uniform and is_projected(blobs[0]) and projection is not None:
        raw = np.frombuffer(b"".join(blobs), dtype=np.uint8).reshape(len(blobs), width)[:, 1:]
        return projection.cosines(_coordinates(raw), query)
    return unpack_rows(blobs, projection) @ query


# Passages per slice of ``ProjectedTable.of`` (~10 ms of holding the GIL each).
BUILD_SLICE = 20_000


@dataclass(frozen=True)
class ProjectedTable:
    """Every passage vector of a projected archive, still packed (68 bytes each: 7 MB at 100k
    passages), held in memory so a filtered dense search scores the passages a filter admits
    without reading their vectors from SQLite."""

    seqs: np.ndarray  # sorted passage seqs
    ids: list[str]
    raw: np.ndarray  # (n, 4 + d/2) scale and int4 pairs, format byte dropped
    seq_of: dict[str, int]

    @classmethod
    def of(cls, seqs: list[int], ids: list[str], blobs: list[bytes]) -> ProjectedTable | None:
        """The table, or None unless every blob is projected alike. Built in slices of
        ``BUILD_SLICE`` passages in a worker thread beside the event loop: one ``dict()`` or
        ``bytes.join`` over 1M passages holds the GIL for up to 0.4 s, during which no ask
        moves; between slices the loop's thread takes its turn."""
        if not blobs or not all(is_projected(b) and len(b) == len(blobs[0]) for b in blobs):
            return None
        if not len(seqs) == len(ids) == len(blobs):
            raise ValueError("one seq and one id per blob")
        parts: list[bytes] = []
        seq_of: dict[str, int] = {}
        for start in range(0, len(blobs), BUILD_SLICE):
            end = start + BUILD_SLICE
            parts.append(b"".join(blobs[start:end]))
            seq_of.update(zip(ids[start:end], seqs[start:end], strict=True))
            time.sleep(0)  # releases the GIL
        raw = np.frombuffer(b"".join(parts), dtype=np.uint8).reshape(len(blobs), -1)[:, 1:]
        return cls(np.asarray(seqs, dtype=np.int64), ids, raw, seq_of)

    def admitted(self, passage_ids: list[str], seqs: np.ndarray) -> set[str]:
        """Which of ``passage_ids`` are among the (sorted) ``seqs`` a filter admits."""
        known = [(pid, self.seq_of[pid]) for pid in passage_ids if pid in self.seq_of]
        if not known or len(seqs) == 0:
            return set()
        wanted = np.array([seq for _, seq in known], dtype=np.int64)
        rows = np.minimum(np.searchsorted(seqs, wanted), len(seqs) - 1)
        return {pid for (pid, _), hit in zip(known, seqs[rows] == wanted, strict=True) if hit}

    def nearest(
        self, seqs: np.ndarray, query: np.ndarray, projection: Projection, limit: int
    ) -> list[tuple[str, float]]:
        """The ``limit`` passages among ``seqs`` nearest ``query``, with cosine similarity."""
        rows = np.searchsorted(self.seqs, seqs)
        inside = rows < len(self.seqs)
        rows, wanted = rows[inside], seqs[inside]
        rows = rows[self.seqs[rows] == wanted]  # a passage not embedded yet has no vector
        if len(rows) == 0:
            return []
        scores = projection.cosines(_coordinates(self.raw[rows]), query)
        top = np.argsort(-scores)[:limit]
        return [(self.ids[rows[i]], float(scores[i])) for i in top]


def _restored(raw: np.ndarray, fmt: int, projection: Projection | None) -> np.ndarray:
    if fmt != PROJECTED:
        return _decode(raw)
    if projection is None:
        raise ValueError("a projected vector blob needs the archive's projection to decode")
    return projection.restore(_coordinates(raw))


def _scales(raw: np.ndarray) -> np.ndarray:
    return np.ascontiguousarray(raw[:, :4]).view("<f4")


def _decode(raw: np.ndarray) -> np.ndarray:
    """Rows of (float32 scale, int8 values) bytes as float32 vectors."""
    return np.ascontiguousarray(raw[:, 4:]).view(np.int8).astype(np.float32) * _scales(raw)


def _coordinates(raw: np.ndarray) -> np.ndarray:
    """Rows of (float32 scale, int4 pairs) bytes as float32 coordinates."""
    packed = raw[:, 4:]
    values = np.empty((len(raw), packed.shape[1] * 2), dtype=np.float32)
    values[:, 0::2] = packed >> 4
    values[:, 1::2] = packed & 0x0F
    return (values - 8.0) * _scales(raw)
