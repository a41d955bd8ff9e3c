"""The optional sentence reranker (``RERANK_MODEL``): a cross-encoder that reads the question and
one candidate sentence together and scores how well the sentence answers it.

The composer's linear features see a sentence's words and its vector apart from the question's;
a cross-encoder reads both at once, so "how old is Meghan Markle's mother?" can favour "her
mother, Doria, 67," over the lead sentence that shares every topic word. It re-scores the
``RERANK_TOP`` best sentences of the linear ranking only (each pair costs a model pass), and its
score enters their ranking as one more term (``RERANK_WEIGHT``): see
``bot.answering.answer.compose``. ``bot.evals.rerank_training`` builds such a model.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from index.embedder import ModelUnavailable

# The cap on a question and sentence pair's length in tokens.
MAX_TOKENS = 128

Scorer = Callable[[str, Sequence[str]], np.ndarray]


class RerankerUnavailable(ModelUnavailable):
    """``RERANK_MODEL`` names nothing that loads as a cross-encoder."""


def load_reranker(name: str, device: str | None = None) -> Scorer:
    """A scorer for ``RERANK_MODEL``: a sentence-transformers CrossEncoder, a local folder or a
    hub id already in the local cache (nothing is downloaded at run time). Raises
    ``RerankerUnavailable`` saying why when it cannot be loaded."""
    try:
        import os

        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        from sentence_transformers import CrossEncoder

        model = CrossEncoder(name, device=device or "cpu", max_length=MAX_TOKENS)
    except Exception as error:  # any failure to load is the same failure for the user
        raise RerankerUnavailable(
            f"RERANK_MODEL={name!r} could not be loaded as a cross-encoder "
            f"({type(error).__name__}: {str(error).splitlines()[0][:200] if str(error) else ''})"
        ) from error

    def score(question: str, sentences: Sequence[str]) -> np.ndarray:
        if not sentences:
            return np.zeros(0)
        pairs = [(question, sentence) for sentence in sentences]
        scores = model.predict(pairs, batch_size=32, show_progress_bar=False, activation_fn=None)
        return np.asarray(scores, dtype=np.float64).reshape(-1)

    return score
