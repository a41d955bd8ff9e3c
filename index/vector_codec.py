"""How vectors kept in SQLite are packed: int8 with one scale per vector.

SQLite keeps a passage vector (exact filtered dense search) and a vector per sentence (quote
selection without embedding sentences at ask time). As float16 they took ~4.3 KB per passage,
more than the whole disk budget (350 MB per 100k passages, chromadb included). int8 with a
float32 scale per vector halves that again, and the cosines it gives differ from float32 ones
by ~1e-3, far below what moves a ranking of sentences.

Layout: one format byte (1), then per vector a little-endian float32 scale and ``dimension``
int8 values. With an even dimension (every model's) that length is odd, while older archives
hold float16 blobs (``2 * dimension`` bytes per vector, always even): the length's parity tells
them apart, and both decode.
"""

from __future__ import annotations

import numpy as np

INT8 = 1


def pack(vectors: np.ndarray) -> bytes:
    """``(n, d)`` (or ``(d,)``) float vectors as one int8 blob."""
    rows = np.atleast_2d(np.asarray(vectors, dtype=np.float32))
    if rows.shape[1] % 2:
        raise ValueError("int8 packing needs an even dimension (parity marks the format)")
    peak = np.abs(rows).max(axis=1)
    scale = np.where(peak > 0, peak / 127.0, 1.0).astype("<f4")
    values = np.clip(np.rint(rows / scale[:, None]), -127, 127).astype(np.int8)
    body = np.hstack([scale[:, None].view(np.uint8), values.view(np.uint8)]).tobytes()
    return bytes([INT8]) + body


def unpack(blob: bytes, count: int) -> np.ndarray:
    """The ``count`` vectors of a blob (int8 or legacy float16) as float32 ``(count, d)``."""
    if count == 0:
        return np.zeros((0, 0), dtype=np.float32)
    if len(blob) % 2 == 0:  # float16, as archives synced before int8 hold them
        return np.frombuffer(blob, dtype="<f2").astype(np.float32).reshape(count, -1)
    width = (len(blob) - 1) // count  # 4 scale bytes + d values
    raw = np.frombuffer(blob, dtype=np.uint8, offset=1).reshape(count, width)
    return _decode(raw)


def unpack_rows(blobs: list[bytes]) -> np.ndarray:
    """One vector per blob (as the passage vector table holds them), stacked."""
    if not blobs:
        return np.zeros((0, 0), dtype=np.float32)
    width = len(blobs[0])
    if any(len(b) != width for b in blobs):
        return np.vstack([unpack(b, 1) for b in blobs])
    joined = b"".join(blobs)
    if width % 2 == 0:
        return np.frombuffer(joined, dtype="<f2").astype(np.float32).reshape(len(blobs), -1)
    return _decode(np.frombuffer(joined, dtype=np.uint8).reshape(len(blobs), width)[:, 1:])


def _decode(raw: np.ndarray) -> np.ndarray:
    """Rows of (float32 scale, int8 values) bytes as float32 vectors."""
    scale = np.ascontiguousarray(raw[:, :4]).view("<f4")
    return np.ascontiguousarray(raw[:, 4:]).view(np.int8).astype(np.float32) * scale
