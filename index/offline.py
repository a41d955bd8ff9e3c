"""Keeping the Hugging Face libraries off the network, for every way the model is loaded.

Shared by ``embedder`` (sentence-transformers) and ``onnx_embedder`` (the export, which loads
the weights with transformers): ``embedder`` imports ``onnx_embedder`` to pick a backend, so
this cannot live in either without one importing the other both ways.
"""

from __future__ import annotations

import os


def work_offline() -> None:
    """Make the Hugging Face libraries stay off the network and quiet. They read these when
    first imported, so call this before importing them."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
