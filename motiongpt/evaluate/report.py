"""The report: every row of an evaluation (see ``motiongpt.evaluate``), as a JSON-ready dict and as Markdown
tables, written atomically side by side."""

from __future__ import annotations

import json
import math
import time
from dataclasses import replace
from pathlib import Path

import numpy as np

from laban.files import atomic_path

from ..data import Clip, pieces
from ..metrics import notation
from .baselines import decoded, nearest, random_score
from .protocol import Protocol, evaluate, measure


def report(reference: list[Clip], held_out: list[Clip] | None = None, generated: list[Clip] | None = None,
           protocol: Protocol = Protocol(), baselines: bool = True, labels: dict[str, str] | None = None,
           seed: int = 0) -> dict:
    """The whole evaluation as a JSON-ready dict: protocol and variants, then one row per set (see the module
    docstring). Generated clips named like held-out clips are paired with them."""
    labels = labels or {}
    began = time.perf_counter()
    if protocol.windows and protocol.seconds:
        reference, held_out, generated = ([p for c in clips for p in pieces(c, protocol.seconds)] if clips else clips
                                          for clips in (reference, held_out, generated))
    ref = [measure(c, protocol) for c in reference]
    rows = {"reference": evaluate(ref, ref, protocol=protocol)}
    pending = []
    words = []  # the held-out descriptions: every row's pool of texts to rank its own among
    if held_out:
        gt = [measure(c, protocol) for c in held_out]
        words = sorted({m.text for m in gt if m.text})
        rows["ground truth"] = evaluate(gt, ref, protocol=protocol, descriptions=words)
        if baselines:
            rng = np.random.default_rng(seed)
            # Stand-ins are judged on the words of the held-out clip they stand in for, not on their own.
            sample = [replace(ref[i], text="") for i in rng.choice(len(ref), size=min(len(gt), len(ref)),
                                                                   replace=False)]
            rows["training clips (sample)"] = evaluate(sample, ref, gt[:len(sample)], protocol, words)
            rows["nearest training clip"] = evaluate([replace(m, text="") for m in nearest(gt, ref, ref)], ref, gt,
                                                     protocol, words)
        # The test clips' own scores decoded (the decoder's realism, and the round trip score → motion → score),
        # and random valid scores decoded (the baseline), each on the beats of a test clip.
        runs = {"decoded test scores": [(f"decoded-{m.name}", m.score) for m in gt]}
        if baselines:
            runs["random valid scores"] = [(f"random-{m.name}", random_score(m.score.grid, m.score.duration, rng))
                                           for m in gt]
        for name, scores in runs.items():
            made, kept = decoded(scores, gt)
            if made:
                rows[name] = {**evaluate(made, ref, kept, protocol, words), "decode_failures": len(gt) - len(kept)}
            else:
                pending.append(f"{name}: the decoder refused all {len(gt)} scores")
    if generated:
        gen = [measure(c, protocol) for c in generated]
        by_name = {m.name: m for m in (gt if held_out else [])}
        targets = [by_name.get(m.name) for m in gen]
        rows["generated"] = evaluate(gen, ref, targets if any(targets) else None, protocol, words)
    pending.append("music beats from audio beside a clip: not read (librosa's beats run 30-50 ms late and make "
                   "octave errors, see docs/evaluation.md); give MIDI/MusicXML or a beats file")
    return {
        "protocol": {**protocol.__dict__, "variants": protocol.variants()},
        "sets": {"reference": labels.get("reference", "reference"), "ground truth": labels.get("held_out", ""),
                 "generated": labels.get("generated", "")},
        "rows": rows, "pending": pending, "seconds_taken": time.perf_counter() - began,
    }


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
