"""The embedding model under ONNX Runtime: the same vectors as sentence-transformers, faster.

On two CPU cores all-MiniLM-L6-v2 under onnxruntime embeds passages about twice as fast as
under torch and a question in ~2 ms instead of ~8 ms, with cosine ≥ 0.99999 to torch's vectors.
The ONNX graph is exported once from the local weights with torch (offline; no hub), checked
against torch on probe sentences, and cached; later loads import neither torch nor
sentence-transformers, which also saves seconds at start-up.

Only models that are a transformer followed by mean pooling (and optionally normalisation) are
exported; anything else stays on torch.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import tempfile
import warnings
from pathlib import Path

import numpy as np

from index.offline import work_offline

log = logging.getLogger(__name__)

OPSET = 17
# Probe texts compared against torch when a graph is exported; agreement below this is a bug.
PROBES = [
    "When did fighting in Aleppo break out?",
    "Fighting in Aleppo broke out on July 19, 2012 and lasted more than four years.",
    "Reader comments: Assad will agree with Turkey and push them to Iraq. Easy.",
    "Ünïcödé, “curly quotes” and numbers 1,234.5 — in one line.",
]
MIN_PROBE_COSINE = 0.9999
# Texts per forward pass. Small batches keep the activations of a layer in the core's cache:
# on two cores, 10k bench passages ingest 1.29x faster in batches of 8 than of 32 (4 was a
# little faster again on this machine, 2 and 1 slower); the vectors are the same.
BATCH_SIZE = 8
INPUTS = ("input_ids", "attention_mask", "token_type_ids")
# The pooled, normalised vector and the token embeddings it was pooled from: sentence vectors
# are pooled from the tokens of their span in the passage's own forward pass (no extra model
# work at ingest). Part of the cache key: graphs exported before had only "embedding".
OUTPUTS = ("embedding", "tokens")


class NotExportable(Exception):
    """The model is not a transformer + mean pooling, or the export failed its check."""


def cache_root() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "archivist" / "onnx"


def _read_json(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}


def _check_architecture(model_dir: Path) -> int:
    """The model's max_seq_length, if it is transformer + mean pooling (+ normalize)."""
    modules = json.loads((model_dir / "modules.json").read_text(encoding="utf-8"))
    kinds = [module["type"].rsplit(".", 1)[-1] for module in modules]
    if kinds[:2] != ["Transformer", "Pooling"] or set(kinds[2:]) - {"Normalize"}:
        raise NotExportable(f"modules {kinds} are not transformer + pooling")
    pooling = _read_json(model_dir / modules[1]["path"] / "config.json")
    if not pooling.get("pooling_mode_mean_tokens") or any(
        pooling.get(mode)
        for mode in (
            "pooling_mode_cls_token",
            "pooling_mode_max_tokens",
            "pooling_mode_mean_sqrt_len_tokens",
        )
    ):
        raise NotExportable("pooling is not plain mean pooling")
    if not (model_dir / "tokenizer.json").exists():
        raise NotExportable("no tokenizer.json (a fast tokenizer is needed)")
    return int(_read_json(model_dir / "sentence_bert_config.json").get("max_seq_length", 256))


def _cache_key(model_dir: Path) -> str:
    """Changes when the weights or the exporting torch change (the export is then redone)."""
    import importlib.metadata

    weights = sorted(model_dir.glob("*.safetensors")) + sorted(model_dir.glob("*.bin"))
    parts = [str(model_dir.resolve()), importlib.metadata.version("torch"), str(OPSET)]
    parts += list(OUTPUTS)
    parts += [f"{w.name}:{w.stat().st_size}:{w.stat().st_mtime_ns}" for w in weights]
    return hashlib.sha256("|".join(parts).encode()).hexdigest()[:16]


def _export(model_dir: Path, target: Path, max_length: int) -> None:
    """Export transformer + mean pooling + L2 normalisation as one graph, then check it on the
    probes both as one padded batch and one by one (tracing must not have baked in a shape)."""
    work_offline()
    import torch
    from sentence_transformers import SentenceTransformer
    from transformers import AutoModel

    transformer = AutoModel.from_pretrained(str(model_dir), local_files_only=True).eval()

    class Pooled(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.transformer = transformer

        def forward(self, input_ids, attention_mask, token_type_ids):  # type: ignore[no-untyped-def]
            hidden = self.transformer(
                input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids
            ).last_hidden_state
            mask = attention_mask.unsqueeze(-1).to(hidden.dtype)
            pooled = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
            return torch.nn.functional.normalize(pooled, p=2, dim=1), hidden

    tokenizer = _tokenizer(model_dir, max_length)
    example = _encode(tokenizer, PROBES[:2])
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=target.parent) as scratch:
        staged = Path(scratch) / "model.onnx"
        # The tracer warns about shape-dependent branches in the attention code; the checks
        # below are what tells whether the graph generalises.
        with torch.no_grad(), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            torch.onnx.export(
                Pooled(),
                tuple(torch.from_numpy(example[name]) for name in INPUTS),
                str(staged),
                input_names=list(INPUTS),
                output_names=list(OUTPUTS),
                dynamic_axes={name: {0: "batch", 1: "tokens"} for name in INPUTS}
                | {"embedding": {0: "batch"}, "tokens": {0: "batch", 1: "tokens"}},
                opset_version=OPSET,
                dynamo=False,  # the TorchScript exporter needs no onnxscript
            )
        reference = SentenceTransformer(str(model_dir), device="cpu", local_files_only=True)
        expected = reference.encode(PROBES, normalize_embeddings=True, convert_to_numpy=True)
        session = _session(staged)
        batched = _run(session, tokenizer, PROBES)
        single = np.vstack([_run(session, tokenizer, [probe]) for probe in PROBES])
        agreement = float(min(np.min(np.sum(expected * got, axis=1)) for got in (batched, single)))
        if agreement < MIN_PROBE_COSINE:
            raise NotExportable(f"exported graph disagrees with torch (cosine {agreement:.6f})")
        os.replace(staged, target)  # atomic: a half-written graph is never picked up
    log.info("exported %s to ONNX at %s", model_dir, target)


def _tokenizer(model_dir: Path, max_length: int):  # type: ignore[no-untyped-def]
    from tokenizers import Tokenizer

    tokenizer = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
    tokenizer.enable_truncation(max_length=max_length)
    tokenizer.enable_padding()
    return tokenizer


def _encode(tokenizer, texts: list[str]) -> dict[str, np.ndarray]:  # type: ignore[no-untyped-def]
    return _arrays(tokenizer.encode_batch(texts))


def _arrays(encodings) -> dict[str, np.ndarray]:  # type: ignore[no-untyped-def]
    return {
        "input_ids": np.array([e.ids for e in encodings], dtype=np.int64),
        "attention_mask": np.array([e.attention_mask for e in encodings], dtype=np.int64),
        "token_type_ids": np.array([e.type_ids for e in encodings], dtype=np.int64),
    }


ALLOW_SPINNING = "session.intra_op.allow_spinning"


def _session(path: Path):  # type: ignore[no-untyped-def]
    import onnxruntime

    options = onnxruntime.SessionOptions()
    options.graph_optimization_level = onnxruntime.GraphOptimizationLevel.ORT_ENABLE_ALL
    options.log_severity_level = 3
    # onnxruntime's pool threads busy-wait after each run by default. After a question's
    # embedding that spinning took a core from the searches that follow it on two cores
    # (1M passages: unfiltered asks p95 48 -> 39 ms, --kind comment 58 -> 42); ingest's
    # batches run as fast without it.
    options.add_session_config_entry(ALLOW_SPINNING, "0")
    return onnxruntime.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])


def _run(session, tokenizer, texts: list[str]) -> np.ndarray:  # type: ignore[no-untyped-def]
    return np.asarray(session.run(["embedding"], _encode(tokenizer, texts))[0], dtype=np.float32)


class OnnxEmbedder:
    """A sentence-transformers model (transformer + mean pooling) run by onnxruntime on CPU."""

    def __init__(self, name: str, model_dir: Path, batch_size: int = BATCH_SIZE) -> None:
        max_length = _check_architecture(model_dir)
        graph = cache_root() / _cache_key(model_dir) / "model.onnx"
        if not graph.exists():
            _export(model_dir, graph, max_length)
        self.name = name
        self._tokenizer = _tokenizer(model_dir, max_length)
        self._session = _session(graph)
        self.dimension = int(self._session.get_outputs()[0].shape[1] or self._probe_dimension())
        self.batch_size = batch_size

    def _probe_dimension(self) -> int:
        return int(_run(self._session, self._tokenizer, ["x"]).shape[1])

    def embed(self, texts: list[str]) -> np.ndarray:
        """Vectors in the order of ``texts``; batches group texts of similar length, so little
        of each batch is padding."""
        vectors = np.zeros((len(texts), self.dimension), dtype=np.float32)
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        for start in range(0, len(order), self.batch_size):
            batch = order[start : start + self.batch_size]
            vectors[batch] = _run(self._session, self._tokenizer, [texts[i] for i in batch])
        return vectors

    def embed_with_sentences(
        self, texts: list[str], spans: list[list[tuple[int, int]]]
    ) -> tuple[np.ndarray, list[np.ndarray]]:
        """Passage vectors and, per passage, one vector per sentence span ``(start, end)``.

        A sentence's vector is the normalised mean of the token embeddings inside its span,
        taken from the passage's own forward pass: embedding every sentence again would cost
        about four times the model work of the passages. A sentence with no token there (cut
        off by the model's length limit) is embedded on its own.
        """
        vectors = np.zeros((len(texts), self.dimension), dtype=np.float32)
        sentences = [np.zeros((len(s), self.dimension), dtype=np.float32) for s in spans]
        missing: list[tuple[int, int]] = []
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        for start in range(0, len(order), self.batch_size):
            batch = order[start : start + self.batch_size]
            encodings = self._tokenizer.encode_batch([texts[i] for i in batch])
            inputs = _arrays(encodings)
            pooled, tokens = self._session.run(list(OUTPUTS), inputs)
            vectors[batch] = pooled
            for row, i in enumerate(batch):
                if not spans[i]:
                    continue
                offsets = np.asarray(encodings[row].offsets, dtype=np.int64).reshape(-1, 2)
                # special tokens and padding have empty offsets
                real = (offsets[:, 1] > offsets[:, 0]) & (inputs["attention_mask"][row] > 0)
                bounds = np.asarray(spans[i], dtype=np.int64)
                member = (
                    real[None, :]
                    & (offsets[None, :, 0] >= bounds[:, :1])
                    & (offsets[None, :, 0] < bounds[:, 1:])
                )
                sums = member.astype(np.float32) @ tokens[row]
                norms = np.linalg.norm(sums, axis=1)
                for j in np.flatnonzero(norms == 0):
                    missing.append((i, int(j)))
                sentences[i] = sums / np.maximum(norms, 1e-12)[:, None]
        if missing:
            alone = self.embed([texts[i][spans[i][j][0] : spans[i][j][1]] for i, j in missing])
            for (i, j), vector in zip(missing, alone, strict=True):
                sentences[i][j] = vector
        return vectors, sentences
