"""The report: every row of an evaluation (see ``motiongpt.evaluate``), as a JSON-ready dict and as Markdown
tables, written atomically side by side."""

from __future__ import annotations

import json
import math
import time
import warnings
from dataclasses import replace
from pathlib import Path

import numpy as np

from laban.errors import LabanError
from laban.files import atomic_path

from ..data import Clip, pieces
from ..metrics import notation
from .baselines import decoded, nearest, random_score
from .generated import written
from .protocol import Protocol, evaluate, measure


def report(reference: list[Clip], held_out: list[Clip] | None = None, generated: list[Clip] | None = None,
           protocol: Protocol = Protocol(), baselines: bool = True, labels: dict[str, str] | None = None,
           seed: int = 0, model=None, seeds: tuple[int, ...] = (0,), training_scores: list | None = None,
           styles: dict[str, str] | None = None, sampling: dict | None = None, log=None) -> dict:
    """The whole evaluation as a JSON-ready dict: protocol and variants, then one row per set (see the module
    docstring). Generated clips named like held-out clips are paired with them.

    With a ``model``, one "generated" row per seed in ``seeds``: the model writes a dance for each held-out clip
    (``generated.written``) and it is decoded as the held-out scores are. Its scores are also judged in score
    space (FID on the text ↔ score evaluator's embeddings, R-precision) and for novelty against
    ``training_scores`` (default: the reference clips' scores); ``styles`` maps a held-out clip to its style;
    ``sampling`` holds ``generate``'s settings (temperature, top_k, top_p, guidance, best_of)."""
    labels = labels or {}
    began = time.perf_counter()
    if protocol.windows and protocol.seconds:
        reference, held_out, generated = ([p for c in clips for p in pieces(c, protocol.seconds)] if clips else clips
                                          for clips in (reference, held_out, generated))
    ref = [measure(c, protocol) for c in reference]
    rows = {"reference": evaluate(ref, ref, protocol=protocol)}
    sets = {"reference": (ref, None)}  # each row's measured clips and the scores it was written from, if any
    pending = []
    words = []  # the held-out descriptions: every row's pool of texts to rank its own among
    gt: list = []
    if held_out:
        gt = [measure(c, protocol) for c in held_out]
        words = sorted({m.text for m in gt if m.text})
        rows["ground truth"] = evaluate(gt, ref, protocol=protocol, descriptions=words)
        sets["ground truth"] = (gt, None)
        if baselines:
            rng = np.random.default_rng(seed)
            # Stand-ins are judged on the words of the held-out clip they stand in for, not on their own.
            sample = [replace(ref[i], text="") for i in rng.choice(len(ref), size=min(len(gt), len(ref)),
                                                                   replace=False)]
            rows["training clips (sample)"] = evaluate(sample, ref, gt[:len(sample)], protocol, words)
            near = [replace(m, text="") for m in nearest(gt, ref, ref)]
            rows["nearest training clip"] = evaluate(near, ref, gt, protocol, words)
            sets["training clips (sample)"], sets["nearest training clip"] = (sample, None), (near, None)
        # The test clips' own scores decoded (the decoder's realism, and the round trip score → motion → score),
        # and random valid scores decoded (the baseline), each on the beats of a test clip.
        runs = {"decoded test scores": ([(f"decoded-{m.name}", m.score) for m in gt], gt)}
        if baselines:
            runs["random valid scores"] = ([(f"random-{m.name}", random_score(m.score.grid, m.score.duration, rng))
                                            for m in gt], gt)
        failed = {name: 0 for name in runs}
        if model is not None:
            for s in seeds:
                made, targets, failed[f"generated (seed {s})"] = written(model, gt, s, styles, **(sampling or {}))
                runs[f"generated (seed {s})"] = (made, targets)
                if log:
                    log(f"seed {s}: {len(made)} dances written ({time.perf_counter() - began:.0f} s so far)")
        for name, (scores, targets) in runs.items():
            made, kept = decoded(scores, targets)
            if made:
                measured = [measure(c, protocol) for c in made]
                rows[name] = {**evaluate(measured, ref, kept, protocol, words),
                              "decode_failures": len(targets) - len(kept), "write_failures": failed[name]}
                sets[name] = (measured, [c.score for c in made])
            else:
                pending.append(f"{name}: the decoder refused all {len(targets)} scores" if targets else
                               f"{name}: the model wrote none of the {len(gt)} dances")
    if generated:
        gen = [measure(c, protocol) for c in generated]
        by_name = {m.name: m for m in gt}
        targets = [by_name.get(m.name) for m in gen]
        rows["generated"] = evaluate(gen, ref, targets if any(targets) else None, protocol, words)
        sets["generated"] = (gen, [m.target for m in gen] if all(m.target is not None for m in gen) else None)
    if gt:
        _score_space(rows, sets, gt, words, training_scores or [m.score for m in ref], model)
    summary = figure_2(rows) if model is not None and gt else None
    pending.append("music beats from audio beside a clip: not read (librosa's beats run 30-50 ms late and make "
                   "octave errors, see docs/evaluation.md); give MIDI/MusicXML or a beats file")
    return {
        "protocol": {**protocol.__dict__, "variants": protocol.variants()},
        "sets": {"reference": labels.get("reference", "reference"), "ground truth": labels.get("held_out", ""),
                 "generated": labels.get("generated", ""), "model": labels.get("model", ""),
                 "training scores": labels.get("training_scores", "the reference clips' scores")},
        "rows": rows, "figure_2": summary, "pending": pending, "seconds_taken": time.perf_counter() - began,
    }


def _score_space(rows: dict, sets: dict, gt: list, words: list[str], training_scores: list, model) -> None:
    """Score-space figures of every row against the held-out clips' scores: ``FID_s`` on the scores read from
    each row's motion (the reference row's is train vs test, the scale), ``FID_s_written`` on the scores a row
    was decoded from, R-precision of the written scores on their words, and novelty of written scores (and, for
    scale, of the held-out clips' own) against the training scores."""
    from ..metrics import text_score
    from ..metrics.novelty import TrainingBars, novelty

    evaluator = text_score.shipped()
    held = evaluator.embed_scores([m.score for m in gt])
    vocabulary = model.vocabulary if model is not None else None
    if vocabulary is None:
        from ..vocabulary import Vocabulary

        vocabulary = Vocabulary()
    bars = TrainingBars(training_scores, vocabulary)
    for name, (measured, scores) in sets.items():
        row = rows[name]
        row["FID_s"] = None if name == "ground truth" else text_score.score_fid(
            evaluator.embed_scores([m.score for m in measured]), held)
        row["FID_s_written"] = row["text_retrieval_written"] = row["novelty"] = None
        if scores:
            row["FID_s_written"] = text_score.score_fid(evaluator.embed_scores(scores), held)
            texts = [m.text for m in measured]
            if all(texts):
                row["text_retrieval_written"] = text_score.retrieval(scores, texts, evaluator, distractors=words)
        if name == "ground truth" or name.startswith("generated"):
            row["novelty"] = novelty(scores or [m.score for m in measured], bars)


FIGURE_2 = ("FID_k", "FID_g", "Div_k", "Div_g", "FID_s", "FID_s_written")


def figure_2(rows: dict) -> dict:
    """Issue 11's figure 2 from the rows: the generated rows' mean and spread over seeds beside the decoded test
    scores' (the same decoder), the train-vs-test score FID, ground truth's R-precision, and novelty pooled over
    seeds; each aim as a ratio."""
    generated = [r for name, r in rows.items() if name.startswith("generated (seed")]
    if not generated:
        return {}

    def spread(values):
        values = np.array([np.nan if v is None else v for v in values], float)
        with warnings.catch_warnings():  # a figure no seed has (one held-out clip: no FID) is NaN, not numpy's
            warnings.simplefilter("ignore", RuntimeWarning)  # "Mean of empty slice" raw on the terminal
            return {"mean": float(np.nanmean(values)), "sd": float(np.nanstd(values)), "seeds": values.tolist()}

    out = {k: spread([r.get(k) for r in generated]) for k in FIGURE_2}
    out["top3_read"] = spread([(r.get("text_retrieval") or {}).get("top3") for r in generated])
    out["top3_written"] = spread([(r.get("text_retrieval_written") or {}).get("top3") for r in generated])
    runs = np.array([x for r in generated for x in (r.get("novelty") or {}).get("longest_runs", [])])
    out["novelty"] = {"dances": len(runs), "share_at_most_2": float(np.mean(runs <= 2)) if len(runs) else None,
                      "p95": float(np.percentile(runs, 95)) if len(runs) else None,
                      "bars_seen_in_training": spread([(r.get("novelty") or {}).get("bars_seen_in_training")
                                                       for r in generated])["mean"]}
    decoded_row, gt = rows.get("decoded test scores", {}), rows.get("ground truth", {})
    ratios = {}
    for k in ("FID_k", "FID_g", "Div_k", "Div_g"):
        if decoded_row.get(k):
            ratios[f"{k} / decoded test scores"] = out[k]["mean"] / decoded_row[k]
    train_vs_test = rows["reference"].get("FID_s")
    if train_vs_test:
        ratios["FID_s_written / train vs test"] = out["FID_s_written"]["mean"] / train_vs_test
        ratios["FID_s / train vs test"] = out["FID_s"]["mean"] / train_vs_test
    gt_top3 = (gt.get("text_retrieval") or {}).get("top3")
    if gt_top3:
        ratios["top3_written / ground truth"] = out["top3_written"]["mean"] / gt_top3
        ratios["top3_read / ground truth"] = out["top3_read"]["mean"] / gt_top3
    out["ratios"] = ratios
    out["aims"] = {"FID_k, FID_g / decoded test scores": "<= 1.25", "Div / decoded test scores": "0.85 .. 1.15",
                   "FID_s_written / train vs test": "<= 1.5", "top3_written / ground truth": ">= 0.75",
                   "novelty share_at_most_2": ">= 0.95"}
    return out


def _fmt(value, digits: int = 2) -> str:
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "—"
    if isinstance(value, float):
        return f"{value:,.{digits}f}" if abs(value) < 1e4 else f"{value:,.0f}"
    return str(value)


def markdown(result: dict) -> str:
    """The report as Markdown: sets, three tables (realism and beat; physics; notation), variants, pending."""
    rows, p = result["rows"], result["protocol"]
    lines = [f"Reference: {result['sets']['reference']}."]
    if result["sets"]["ground truth"]:
        lines.append(f"Ground truth: {result['sets']['ground truth']}.")
    if result["sets"]["generated"]:
        lines.append(f"Generated: {result['sets']['generated']}.")
    lines += ["", "| set | n | seconds | source fps | FID_k ↓ | FID_g ↓ | Div_k ↑ | Div_g ↑ | BAS aist++ | "
                  "BAS bailando | beats |", "|---|---|---|---|---|---|---|---|---|---|---|"]
    for name, r in rows.items():
        beats = ", ".join(f"{kind} {n}" for kind, n in r["beats"].items() if n)
        rates = ", ".join(f"{fps} ×{n}" for fps, n in r["source_fps"].items())
        lines.append(f"| {name} | {r['n']} | {r['seconds']:.0f} | {rates} | {_fmt(r['FID_k'])} | {_fmt(r['FID_g'])} | "
                     f"{_fmt(r['Div_k'])} | {_fmt(r['Div_g'])} | {_fmt(r['BAS_aist++'], 4)} | "
                     f"{_fmt(r['BAS_bailando'], 4)} | {beats} |")
    lines += ["", "| set | PFC ↓ | skating contact ↓ | skating toe-speed ↓ | penetration mm ↓ | float mm ↓ | "
                  "jitter m/s³ | bone drift mm |", "|---|---|---|---|---|---|---|---|"]
    for name, r in rows.items():
        lines.append(f"| {name} | {_fmt(r['pfc'], 3)} | {_fmt(r['skating_contact'], 3)} | "
                     f"{_fmt(r['skating_toe_speed'], 3)} | {_fmt(r['penetration_mm'], 1)} | {_fmt(r['float_mm'], 1)} "
                     f"| {_fmt(r['jitter'], 0)} | {_fmt(r['bone_drift_mm'], 3)} |")
    lines += ["", "| set | symbols/min | tokens/min | gesture direction | gesture level | support direction | "
                  "support level | support F1 | flight F1 | timing error (beats) | matched |",
              "|---|---|---|---|---|---|---|---|---|---|---|"]
    for name, r in rows.items():
        a = r["notation"] or {}
        lines.append(f"| {name} | {_fmt(r['symbols_per_min'], 0)} | {_fmt(r['tokens_per_min'], 0)} | "
                     + " | ".join(_fmt(a.get(k), 3) for k in ("gesture_direction", "gesture_level",
                                                              "support_direction", "support_level", "support_f1",
                                                              "flight_f1", "timing_error_beats", "timing_matched"))
                     + " |")
    lines += ["", "| set | text → score R-precision top-1 ↑ | top-3 ↑ | chance top-1 / top-3 | pool | described clips |",
              "|---|---|---|---|---|---|"]
    for name, r in rows.items():
        t = r.get("text_retrieval")
        if t:
            lines.append(f"| {name} | {t['top1']:.3f} | {t['top3']:.3f} | {t['chance1']:.3f} / {t['chance3']:.3f} | "
                         f"{t['pool']} | {t['n']} |")
        else:
            lines.append(f"| {name} | — | — | — | — | 0 |")
    if any("FID_s" in r for r in rows.values()):
        lines += ["", "| set | FID_s read ↓ | FID_s written ↓ | written: top-1 ↑ | written: top-3 ↑ | longest copy ≤ 2 "
                      "bars | longest copy p95 (max) | bars seen in training |", "|---|---|---|---|---|---|---|---|"]
        for name, r in rows.items():
            t, n = r.get("text_retrieval_written") or {}, r.get("novelty") or {}
            lines.append(f"| {name} | {_fmt(r.get('FID_s'), 3)} | {_fmt(r.get('FID_s_written'), 3)} | "
                         f"{_fmt(t.get('top1'), 3)} | {_fmt(t.get('top3'), 3)} | {_fmt(n.get('share_within'), 2)} | "
                         + (f"{n['p95']:.1f} ({n['max']})" if n else "—") + f" | {_fmt(n.get('bars_seen_in_training'), 2)} |")
        lines += ["", "FID_s: FID of the text ↔ score evaluator's score embeddings against the held-out clips' scores "
                      "('read': the scores tokenized from each row's motion; 'written': the scores a row was decoded "
                      "from). The reference row's FID_s is train vs test, the scale for a model's."]
    summary = result.get("figure_2")
    if summary:
        lines += ["", f"Figure 2 (issue 11), mean ± sd over the {len(summary['FID_k']['seeds'])} generated rows "
                      "(one a seed):", ""]
        lines += [f"- {k}: {summary[k]['mean']:.3f} ± {summary[k]['sd']:.3f}" for k in FIGURE_2 + ("top3_written",
                                                                                                   "top3_read")]
        nov = summary["novelty"]
        lines.append(f"- novelty: {_fmt(nov['share_at_most_2'], 3)} of {nov['dances']} dances copy at most 2 bars "
                     f"in a row; 95th percentile {_fmt(nov['p95'], 1)} bars")
        lines += [f"- {k}: {v:.3f} (aim {summary['aims'].get(k, '')})".replace(" (aim )", "")
                  for k, v in summary["ratios"].items()]
    lines += ["", f"Tokens per minute compare with {notation.NUMBERS_PER_MINUTE:,} numbers for a minute of 21 joints "
                  "at 30 fps. Notation agreement is against the held-out clip each row stands in for (or the "
                  "score a generated clip was decoded from); '—' where a row has no score to agree with.", "",
              "Variants:", ""]
    lines += [f"- {k}: {v}" for k, v in p["variants"].items()]
    if result["pending"]:
        lines += ["", "Not measured yet:", ""] + [f"- {item}" for item in result["pending"]]
    return "\n".join(lines) + "\n"


def jsonable(value):
    if isinstance(value, dict):
        return {k: jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    if isinstance(value, (float, np.floating)):
        return float(value) if math.isfinite(value) else None
    if isinstance(value, np.integer):
        return int(value)
    return value


def check_output(path: Path) -> Path:
    """``path`` when ``write`` can write the report there, said before the evaluation's minutes of work: a report
    written into a folder, under a file, or at a ``.md`` its own tables would overwrite failed after all of them
    (until 2026-12-07; ``-o report.md`` left the tables alone, the JSON written over)."""
    path = Path(path)
    if path.suffix.lower() == ".md":
        raise LabanError(f"{path}: the Markdown tables are written beside the JSON report, as its .md: give -o "
                         f"{path.with_suffix('.json')}")
    for target in (path, path.with_suffix(".md")):
        if target.is_dir():
            raise LabanError(f"{target}: a folder, not a file")
    for folder in path.parents:  # made with its parents where missing, but no file on its way
        if folder.exists():
            if not folder.is_dir():
                raise LabanError(f"{folder}: a file, not a folder")
            break
    return path


def write(result: dict, path: Path) -> str:
    """Write ``result`` as JSON at ``path`` and its Markdown tables beside it (``.md``), each atomically: a run
    stopped half-way leaves no half-written report. Returns the Markdown."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    table = markdown(result)
    for target, text in ((path, json.dumps(jsonable(result), indent=1) + "\n"), (path.with_suffix(".md"), table)):
        with atomic_path(target) as partial:
            partial.write_text(text, encoding="utf-8")
    return table
