"""The ONNX Runtime embedder gives torch's vectors; models it cannot export stay on torch."""

from __future__ import annotations

import copy
import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from index.embedder import (
    SentenceTransformerEmbedder,
    bundled_model_path,
    load_embedder,
)
from index.onnx_embedder import ALLOW_SPINNING, NotExportable, OnnxEmbedder

TEXTS = [
    "When did fighting in Aleppo break out?",
    "Fighting in Aleppo broke out on July 19, 2012 and lasted more than four years.",
    "Assad will agree with Turkey and push them to Iraq. Easy.",
    "",
    "word " * 400,  # longer than the model's 256 tokens: truncated the same way
    "Ünïcödé “quotes” — 1,234.5 %",
]


@pytest.fixture(scope="module")
def torch_embedder() -> SentenceTransformerEmbedder:
    return SentenceTransformerEmbedder("all-MiniLM-L6-v2", device="cpu")


def test_onnx_vectors_match_torch(model, torch_embedder) -> None:
    assert isinstance(model, OnnxEmbedder)
    onnx_vectors = model.embed(TEXTS)
    torch_vectors = torch_embedder.embed(TEXTS)
    assert onnx_vectors.shape == torch_vectors.shape == (len(TEXTS), 384)
    assert np.min(np.sum(onnx_vectors * torch_vectors, axis=1)) > 0.9999
    # one at a time (no padding) gives the same vectors as in a padded batch
    one_by_one = np.vstack([model.embed([text]) for text in TEXTS])
    assert np.allclose(one_by_one, onnx_vectors, atol=1e-4)


def test_the_batch_size_changes_speed_not_vectors(model) -> None:
    texts = [f"{text} ({n})" for n in range(4) for text in TEXTS]  # several batches, mixed lengths
    spans = [[(0, len(text) // 2), (len(text) // 2, len(text))] for text in texts]
    assert isinstance(model, OnnxEmbedder)
    assert model.batch_size < len(texts)
    wide = copy.copy(model)
    wide.batch_size = len(texts)
    assert np.allclose(model.embed(texts), wide.embed(texts), atol=1e-5)
    narrow_passages, narrow_sentences = model.embed_with_sentences(texts, spans)
    wide_passages, wide_sentences = wide.embed_with_sentences(texts, spans)
    assert np.allclose(narrow_passages, wide_passages, atol=1e-5)
    for narrow, wide_rows in zip(narrow_sentences, wide_sentences, strict=True):
        assert np.allclose(narrow, wide_rows, atol=1e-5)


def test_rankings_match_torch(model, torch_embedder) -> None:
    question, *passages = TEXTS
    rank = {}
    for name, embedder in (("onnx", model), ("torch", torch_embedder)):
        vectors = embedder.embed([question, *passages])
        rank[name] = list(np.argsort(-(vectors[1:] @ vectors[0])))
    assert rank["onnx"] == rank["torch"]


def test_the_export_is_cached(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    OnnxEmbedder("all-MiniLM-L6-v2", bundled_model_path())
    [graph] = tmp_path.glob("archivist/onnx/*/model.onnx")
    exported_at = graph.stat().st_mtime_ns
    OnnxEmbedder("all-MiniLM-L6-v2", bundled_model_path())
    assert graph.stat().st_mtime_ns == exported_at


def _cls_pooling_copy(tmp_path: Path) -> Path:
    """The bundled model with CLS pooling instead of mean pooling: a model ONNX must refuse."""
    copy = tmp_path / "cls-model"
    shutil.copytree(
        bundled_model_path(), copy, symlinks=True, ignore=shutil.ignore_patterns("*.safetensors")
    )
    for weights in bundled_model_path().glob("*.safetensors"):
        (copy / weights.name).symlink_to(weights)
    pooling = copy / "1_Pooling" / "config.json"
    config = json.loads(pooling.read_text())
    config.update(pooling_mode_mean_tokens=False, pooling_mode_cls_token=True)
    pooling.write_text(json.dumps(config))
    return copy


def test_models_that_are_not_mean_pooled_stay_on_torch(tmp_path: Path) -> None:
    model_dir = _cls_pooling_copy(tmp_path)
    with pytest.raises(NotExportable, match="mean pooling"):
        OnnxEmbedder("cls", model_dir)
    embedder = load_embedder(str(model_dir), "cpu")
    assert isinstance(embedder, SentenceTransformerEmbedder)
    assert embedder.embed(["hello"]).shape == (1, 384)


def test_the_model_threads_do_not_spin_between_runs(model) -> None:
    # A spinning pool thread takes a core from the searches that follow a question.
    assert isinstance(model, OnnxEmbedder)
    options = model._session.get_session_options()
    assert options.get_session_config_entry(ALLOW_SPINNING) == "0"
