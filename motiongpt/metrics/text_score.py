"""Text ↔ score retrieval: does a dance fit its description? HumanML3D's R-precision, adapted to scores.

A small contrastive evaluator, trained once on the training split's (description, score) pairs and shipped with
the package (``text_score.safetensors``, 1.2 MB). A description goes through the frozen offline sentence encoder
(``motiongpt.text``) and a linear map; a score through a 1-D convolution over its staff read cell by cell (what
every column says each half beat, where symbols start, the tempo) and pooled over time. Both land on one unit
sphere, where a description lies closest to the scores it describes. It reads scores, not motion, so a model's
scores are judged before any decoding, and motion is judged through its tokenized score.

R-precision: each score ranks a pool of distinct descriptions — its own and up to 31 others from the same
held-out set — by cosine similarity; top-k is the share of scores whose own description is among the first k.
Chance is k / pool.

    python datasets/text_score.py      # the recipe: retrain on the CMU training split; reports validation and test
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

from laban import Column, Score, Sign
from laban.reading import DIRECTIONS, LEVELS, SIGNS, cell_centres, read
from laban.files import atomic_path

from ..errors import CheckpointError
from ..text import TEXT_DIMENSIONS, encode_text

CHECKPOINT = Path(__file__).with_name("text_score.safetensors")
RESOLUTION = 0.5  # beats per cell: a score's quarter-beat detail is more than a description speaks of
POOL = 32  # HumanML3D's: a motion ranks its own text among 31 others
_WORDS = {word: i for i, word in enumerate([d.value for d in DIRECTIONS] + [Sign.HOLD.value, Sign.FLIGHT.value,
                                                                           "turn right", "turn left"])}
_LEVELS = {level.value: i for i, level in enumerate(LEVELS)}
_SIGN = {sign: i for i, sign in enumerate(SIGNS)}
_SAID = np.array([_WORDS.get(sign.value, -1) for sign in SIGNS] + [-1])  # by sign code; the last: nothing said
_TURN_RIGHT, _TURN_LEFT = _WORDS["turn right"], _WORDS["turn left"]
_PER_COLUMN = len(_WORDS) + len(_LEVELS) + 1  # what the column says, its level, and whether a symbol starts
CELL_FEATURES = len(Column) * _PER_COLUMN + 1  # + the tempo


def staff_cells(score: Score, resolution: float = RESOLUTION) -> np.ndarray:
    """(cells, CELL_FEATURES) float32: per column, one-hot what it says in each cell (``laban.reading``: a gesture
    column keeps its last destination, a support column says nothing while its foot is free), one-hot the level,
    a flag where a symbol starts; and log2(tempo / 120 bpm) in every cell."""
    subdivision = max(int(round(1.0 / resolution)), 1)
    staff = read(score, cell_centres(max(score.duration, 1.0 / subdivision), subdivision))
    said = np.where(staff.sign == _SIGN[Sign.DIRECTION], staff.direction, _SAID[staff.sign])
    said = np.where(staff.sign == _SIGN[Sign.TURN], np.where(staff.turn > 0, _TURN_RIGHT, _TURN_LEFT), said)
    count = len(staff.beats)
    cells = np.zeros((count, len(Column), _PER_COLUMN), np.float32)
    time, column = np.nonzero(said.T >= 0)
    cells[time, column, said.T[time, column]] = 1.0
    time, column = np.nonzero(staff.level.T >= 0)
    cells[time, column, len(_WORDS) + staff.level.T[time, column]] = 1.0
    cells[..., -1] = staff.starts.T
    return np.concatenate([cells.reshape(count, -1), np.full((count, 1), math.log2(score.tempo / 120.0),
                                                             np.float32)], axis=1)


@dataclass
class TextScoreConfig:
    cell_features: int = CELL_FEATURES
    text_dimensions: int = TEXT_DIMENSIONS
    width: int = 128
    layers: int = 3
    kernel: int = 5
    dimensions: int = 64


class TextScoreEvaluator(nn.Module):
    """Scores and descriptions on one unit sphere: ``embed_scores`` / ``embed_texts`` (numpy in, numpy out)."""

    def __init__(self, config: TextScoreConfig = TextScoreConfig()) -> None:
        super().__init__()
        self.config = config
        self.cells_in = nn.Conv1d(config.cell_features, config.width, 1)
        # Dilations 1, 2, 4: with kernel 5 the last layer sees 28 cells (14 beats) around each cell.
        self.blocks = nn.ModuleList(
            nn.Conv1d(config.width, config.width, config.kernel, padding=config.kernel // 2 * 2 ** i, dilation=2 ** i)
            for i in range(config.layers))
        self.score_out = nn.Linear(2 * config.width, config.dimensions)  # mean and max over time
        self.text_out = nn.Linear(config.text_dimensions, config.dimensions)
        self.log_scale = nn.Parameter(torch.tensor(math.log(1 / 0.07)))  # CLIP's temperature

    def encode_staff(self, cells: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        """(B, T, CELL_FEATURES) cells and (B, T) bool mask of real cells → (B, dimensions) unit vectors."""
        keep = mask.unsqueeze(1).to(cells.dtype)
        h = self.cells_in(cells.transpose(1, 2)) * keep
        for block in self.blocks:
            h = (h + block(F.gelu(h))) * keep
        mean = h.sum(-1) / keep.sum(-1).clamp(min=1.0)
        peak = h.masked_fill(keep == 0, -1e4).amax(-1)
        return F.normalize(self.score_out(torch.cat([mean, peak], -1)), dim=-1)

    def encode_sentences(self, sentences: torch.Tensor) -> torch.Tensor:
        """(B, text_dimensions) sentence vectors (``motiongpt.text.encode_text``) → (B, dimensions) unit vectors."""
        return F.normalize(self.text_out(sentences), dim=-1)

    @torch.inference_mode()
    def embed_scores(self, scores: list[Score]) -> np.ndarray:
        self.eval()
        cells, mask = _batch([staff_cells(s) for s in scores])
        return self.encode_staff(cells, mask).numpy()

    @torch.inference_mode()
    def embed_texts(self, texts: list[str]) -> np.ndarray:
        self.eval()
        return self.encode_sentences(torch.from_numpy(encode_text(texts))).numpy()

    def save_pretrained(self, path: str | Path, notes: dict | None = None) -> None:
        """Weights and config (and ``notes``: how it was trained, what it scored) in one safetensors file."""
        from safetensors.torch import save_file

        metadata = {"model": "motiongpt.text_score", "config": json.dumps(asdict(self.config)),
                    "notes": json.dumps(notes or {})}
        with atomic_path(path) as partial:
            save_file({k: v.contiguous() for k, v in self.state_dict().items()}, str(partial), metadata)

    @classmethod
    def from_pretrained(cls, path: str | Path = CHECKPOINT) -> "TextScoreEvaluator":
        """The evaluator saved at ``path`` (default: the one shipped with the package); no pickle."""
        from safetensors import safe_open

        path = Path(path)
        if not path.is_file():
            raise CheckpointError(f"{path}: no such text-score evaluator file")
        try:
            with safe_open(str(path), framework="pt") as f:
                metadata = f.metadata() or {}
                tensors = {k: f.get_tensor(k) for k in f.keys()}
        except Exception as error:  # safetensors raises its own and OS errors for damaged files
            raise CheckpointError(f"{path}: not a readable safetensors file ({error})") from None
        if metadata.get("model") != "motiongpt.text_score":
            raise CheckpointError(f"{path}: not a text-score evaluator (model: {metadata.get('model', 'unnamed')})")
        model = cls(TextScoreConfig(**json.loads(metadata["config"])))
        try:
            model.load_state_dict(tensors)
        except RuntimeError as error:
            raise CheckpointError(f"{path}: weights do not fit the config ({str(error).splitlines()[0]})") from None
        model.notes = json.loads(metadata.get("notes", "{}"))
        return model.eval()


def _batch(cells: list[np.ndarray]) -> tuple[torch.Tensor, torch.Tensor]:
    """Pad cell matrices of different lengths into one (B, T, F) tensor and its (B, T) mask."""
    length = max(len(c) for c in cells)
    out = np.zeros((len(cells), length, CELL_FEATURES), np.float32)
    mask = np.zeros((len(cells), length), bool)
    for i, c in enumerate(cells):
        out[i, :len(c)], mask[i, :len(c)] = c, True
    return torch.from_numpy(out), torch.from_numpy(mask)


# --- R-precision ------------------------------------------------------------------------------------------------

def r_precision(score_vectors: np.ndarray, text_vectors: np.ndarray, truth: np.ndarray, ks: tuple[int, ...] = (1, 3),
                pool: int = POOL, seed: int = 0) -> dict[str, float]:
    """Each score (row of ``score_vectors``) ranks its own text (``text_vectors[truth[i]]``, distinct texts) among
    ``pool - 1`` others (all of them when there are fewer; else a seeded draw) by dot product. Returns
    ``top{k}`` (share of scores whose own text ranks within the first k), ``chance{k}``, ``pool`` and ``n``."""
    truth = np.asarray(truth)
    texts = len(text_vectors)
    size = min(pool, texts)
    rng = np.random.default_rng(seed)
    similarity = score_vectors @ text_vectors.T
    ranks = np.empty(len(truth), int)
    for i, own in enumerate(truth):
        others = np.delete(np.arange(texts), own)
        if len(others) > size - 1:
            others = rng.choice(others, size - 1, replace=False)
        ranks[i] = int(np.sum(similarity[i, others] > similarity[i, own]))
    out = {f"top{k}": float(np.mean(ranks < k)) for k in ks}
    out.update({f"chance{k}": min(k / size, 1.0) for k in ks})
    out.update(pool=size, n=len(truth))
    return out


def retrieval(scores: list[Score], texts: list[str], evaluator: TextScoreEvaluator | None = None,
              distractors: list[str] = (), pool: int = POOL) -> dict[str, float]:
    """R-precision of ``scores`` against their descriptions ``texts``; the pool of each is drawn from the distinct
    texts of ``texts`` and ``distractors`` (the held-out set's descriptions)."""
    evaluator = evaluator or shipped()
    distinct = sorted(set(texts) | set(distractors))
    truth = np.array([distinct.index(t) for t in texts])
    return r_precision(evaluator.embed_scores(scores), evaluator.embed_texts(distinct), truth, pool=pool)


def score_fid(scores: list[Score] | np.ndarray, reference: list[Score] | np.ndarray,
              evaluator: TextScoreEvaluator | None = None) -> float:
    """FID in score space: the Fréchet distance between Gaussians fitted to the evaluator's embeddings of two sets
    of scores (or embeddings already taken). Motion FID judges a generated score only through the decoder; this
    judges the notation the model wrote, on the features the evaluator learnt to tell descriptions apart by. The
    embeddings are unit vectors, so no normalisation: the same for every set."""
    from .fid import fid

    evaluator = evaluator or shipped()
    a, b = (x if isinstance(x, np.ndarray) else evaluator.embed_scores(list(x)) for x in (scores, reference))
    return fid(a, b)


_SHIPPED: list[TextScoreEvaluator] = []


def shipped() -> TextScoreEvaluator:
    """The evaluator that ships with the package, loaded once."""
    if not _SHIPPED:
        _SHIPPED.append(TextScoreEvaluator.from_pretrained())
    return _SHIPPED[0]


# --- training ---------------------------------------------------------------------------------------------------

@dataclass
class Pairs:
    """(score cells, description) pairs; ``text`` indexes ``descriptions``, ``sentences`` their vectors."""

    cells: list[np.ndarray]
    text: np.ndarray
    descriptions: list[str]
    sentences: np.ndarray

    @classmethod
    def of(cls, scores: list[Score], texts: list[str]) -> "Pairs":
        descriptions = sorted(set(texts))
        return cls([staff_cells(s) for s in scores], np.array([descriptions.index(t) for t in texts]), descriptions,
                   encode_text(descriptions))


def train(pairs: Pairs, validation: Pairs | None = None, *, steps: int = 1200, batch: int = 48, crop: tuple = (16, 96),
          lr: float = 1e-3, weight_decay: float = 0.05, seed: int = 0, config: TextScoreConfig = TextScoreConfig(),
          log=print) -> tuple[TextScoreEvaluator, dict]:
    """Contrastive training: each step draws ``batch`` descriptions uniformly (so that 30 walks do not drown one
    pirouette), a clip of each and a random stretch of it (``crop`` cells), and pulls each stretch towards its
    description and away from the others' (InfoNCE both ways; clips sharing a description are all positives).
    With ``validation``, the weights of the best validation top-3 are kept. Returns the model and a log."""
    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)
    model = TextScoreEvaluator(config)
    optimiser = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=weight_decay)
    schedule = torch.optim.lr_scheduler.OneCycleLR(optimiser, lr, total_steps=steps, pct_start=0.1)
    sentences = torch.from_numpy(pairs.sentences)
    by_text = [np.flatnonzero(pairs.text == t) for t in range(len(pairs.descriptions))]
    best, history = (-1.0, None), []
    for step in range(1, steps + 1):
        model.train()
        chosen = rng.integers(len(by_text), size=batch)
        stretches = []
        for t in chosen:
            cells = pairs.cells[rng.choice(by_text[t])]
            length = min(len(cells), int(rng.integers(crop[0], crop[1] + 1)))
            begin = int(rng.integers(0, len(cells) - length + 1))
            stretches.append(cells[begin:begin + length])
        cells, mask = _batch(stretches)
        s = model.encode_staff(cells, mask)
        t = model.encode_sentences(sentences[chosen])
        logits = model.log_scale.exp().clamp(max=100.0) * s @ t.T
        same = torch.from_numpy(chosen[:, None] == chosen[None, :]).float()
        target = same / same.sum(1, keepdim=True)
        loss = 0.5 * (F.cross_entropy(logits, target) + F.cross_entropy(logits.T, target))
        optimiser.zero_grad()
        loss.backward()
        optimiser.step()
        schedule.step()
        if validation is not None and (step % 100 == 0 or step == steps):
            figures = evaluate_pairs(model, validation)
            history.append({"step": step, "loss": loss.item(), **figures})
            if figures["top3"] + 0.5 * figures["top1"] > best[0]:
                best = (figures["top3"] + 0.5 * figures["top1"],
                        {k: v.detach().clone() for k, v in model.state_dict().items()})
            log(f"step {step}: loss {loss.item():.3f}  validation top1 {figures['top1']:.3f} "
                f"top3 {figures['top3']:.3f}")
    if best[1] is not None:
        model.load_state_dict(best[1])
    return model.eval(), {"history": history}


def evaluate_pairs(model: TextScoreEvaluator, pairs: Pairs, pool: int = POOL) -> dict[str, float]:
    """R-precision of held-out pairs, each whole clip against the pairs' own distinct descriptions."""
    with torch.inference_mode():
        model.eval()
        cells, mask = _batch(pairs.cells)
        s = model.encode_staff(cells, mask).numpy()
        t = model.encode_sentences(torch.from_numpy(pairs.sentences)).numpy()
    return r_precision(s, t, pairs.text, pool=pool)
