"""How often a recording's bars are found: meter and first bar line of ``laban.beats_from_audio`` on rendered MIDI.

    python bench/audio_meter.py            # needs librosa, fluidsynth and fluid-soundfont-gm (Debian); ~4 min

Two sets of pieces, each rendered to WAV by fluidsynth with the General MIDI soundfont:

- *chosen on*: the first 24 bars of 36 music21 corpus pieces (Bach chorales in 3/4 and 4/4, minuets, a mazurka,
  polonaises, quartet movements, songs, a rag; repeats left out), on which ``laban.timing``'s ``HARMONY_WEIGHT``
  and ``FIRST_BEAT_PRIOR`` were chosen;
- *the check*: the pieces of ``bench/audio_beats.py`` (piano and drums in 4/4, two waltzes, legato strings),
  written for that bench and not looked at while choosing.

The truth is each piece's own notation (``laban.beats_from_music`` on the excerpt written as MusicXML, which
keeps a pickup bar; the MIDI rendered from it starts at the pickup's first note). A piece's meter counts as
found when ``beats_from_audio`` says 3 for a triple meter and 4 for a duple one (2/4, 2/2, 6/8 and 4/4 alike: a
recording's accents cannot tell 2 from 4); its bar lines as found when the tracked beats it calls downbeats lie
within 70 ms of true downbeats (precision and recall, F1). Meter and phase are scored only where librosa's beat
is the notation's (80 % of the tracked beats on true beats, the same tempo within 10 %); the F1 covers every
piece. The row "before" is what the grid said until this bench: 4 beats a bar from the first beat tracked.
"""

from __future__ import annotations

import checkout  # noqa: F401  (this checkout's packages, not an installed copy)

import math
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

import audio_beats
from laban.timing import beats_from_audio, beats_from_music

TOLERANCE = 0.070
BARS = 24
CORPUS = [
    "bach/bwv11.6.mxl", "bach/bwv120.8-a.mxl", "bach/bwv122.6.mxl", "beethoven/opus18no1/movement3.mxl",
    "chopin/mazurka06-2.krn", "haydn/opus1no1/movement2.mxl", "haydn/opus74no1/movement3.mxl",
    "mozart/k155/movement2.mxl", "mozart/k156/movement3.mxl", "mozart/k458/movement2.mxl", "schubert/Lindenbaum.xml",
    "schumann_clara/polonaise_op1n1.mxl", "schumann_clara/polonaise_op1n2.mxl", "weber/concertino_clarinet.mxl",
    "demos/two-parts.xml", "bach/bwv1.6.mxl", "bach/bwv10.7.mxl", "bach/bwv101.7.mxl", "bach/bwv127.5.mxl",
    "bach/bwv13.6.mxl", "beethoven/opus18no4.mxl", "beethoven/opus59no1/movement1.mxl",
    "handel/rinaldo/Lascia_chio_pianga.mxl", "haydn/opus74no1/movement1.mxl", "liliuokalani/aloha_oe.mxl",
    "mozart/k155/movement1.mxl", "mozart/k156/movement2.mxl", "joplin/maple_leaf_rag.mxl",
    "haydn/opus1no1/movement5.mxl", "mozart/k458/movement4.mxl", "schumann_robert/dichterliebe_no2.xml",
    "johnson_j_r/lift_every_voice.mxl", "beethoven/opus18no5.mxl", "mozart/k458/movement1.mxl",
]


def excerpt(name: str):
    """The first ``BARS`` bars of a corpus piece, repeats left out (rendered once, as written)."""
    from music21 import bar, corpus

    score = corpus.parse(name)
    score = score.scores[0] if hasattr(score, "scores") else score
    score = score.measures(0, BARS)
    for measure in score.recurse().getElementsByClass("Measure"):
        if isinstance(measure.leftBarline, bar.Repeat):
            measure.leftBarline = None
        if isinstance(measure.rightBarline, bar.Repeat):
            measure.rightBarline = None
    for bracket in list(score.recurse().getElementsByClass("RepeatBracket")):
        bracket.activeSite.remove(bracket)
    return score


def render(score, folder: Path, stem: str) -> tuple[Path, Path] | None:
    """The score as MusicXML (the truth) and as WAV (fluidsynth, cut at the music's end); None if either fails."""
    xml, midi, wav = folder / f"{stem}.musicxml", folder / f"{stem}.mid", folder / f"{stem}.wav"
    try:
        score.write("musicxml", fp=xml)
        score.write("midi", fp=midi)
    except Exception as error:  # music21's writers refuse some corpus files (durations too short to write)
        print(f"{stem}: left out ({str(error).splitlines()[0][:80]})", file=sys.stderr)
        return None
    try:  # a note that never ends keeps fluidsynth writing: stopped, and the file cut at the music's end
        subprocess.run(["fluidsynth", "-ni", "-q", "-F", str(wav), "-r", str(audio_beats.RATE),
                        str(audio_beats.SOUNDFONT), str(midi)], check=True, capture_output=True, timeout=10)
    except subprocess.TimeoutExpired:
        pass
    import soundfile

    end = beats_from_music(xml).times[-1] + 2.0
    samples, rate = soundfile.read(wav, frames=int(end * audio_beats.RATE))
    soundfile.write(wav, samples, rate)
    return xml, wav


def score_piece(xml: Path, wav: Path) -> dict[str, object]:
    truth = beats_from_music(xml)
    true = np.array(truth.times)
    downbeats = true[truth.downbeat::truth.beats_per_bar]
    grid = beats_from_audio(wav)
    found = np.array(grid.times)
    found = found[found <= true[-1] + TOLERANCE]  # the grid runs past the music's end
    on_beat = np.abs(found[:, None] - true[None]).min(axis=1) <= TOLERANCE
    same_tempo = abs(math.log(np.median(np.diff(found)) / np.median(np.diff(true)))) < 0.1

    def f1(first: int, meter: int) -> tuple[float, bool]:
        said = found[first::meter]
        if not len(said):
            return 0.0, False
        precision = np.mean(np.abs(said[:, None] - downbeats[None]).min(axis=1) <= TOLERANCE)
        recall = np.mean(np.abs(downbeats[:, None] - said[None]).min(axis=1) <= TOLERANCE)
        score = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        return score, precision > 0.9

    meter_right = (grid.beats_per_bar == 3) == (truth.beats_per_bar == 3)
    now, now_on = f1(grid.downbeat, grid.beats_per_bar)
    before, before_on = f1(0, 4)
    return {"tracked": bool(on_beat.mean() >= 0.8 and same_tempo), "meter": truth.beats_per_bar,
            "said": f"{grid.beats_per_bar}, from beat {grid.downbeat + 1}", "meter right": meter_right,
            "bars right": meter_right and now_on, "bars right before": (truth.beats_per_bar != 3) and before_on,
            "F1": now, "F1 before": before}


def summary(name: str, rows: list[tuple[str, dict]]) -> str:
    tracked = [r for _, r in rows if r["tracked"]]
    return (f"{name}: {len(rows)} pieces, librosa on the notation's beat in {len(tracked)}; of those, meter found "
            f"{sum(r['meter right'] for r in tracked)} (before: 4 always, {sum(r['meter'] != 3 for r in tracked)}), "
            f"bar lines found {sum(r['bars right'] for r in tracked)} (before "
            f"{sum(r['bars right before'] for r in tracked)}); downbeat F1 over all {len(rows)}: "
            f"{np.mean([r['F1'] for _, r in rows]):.3f} (before {np.mean([r['F1 before'] for _, r in rows]):.3f}), "
            f"over the tracked {np.mean([r['F1'] for r in tracked]):.3f} "
            f"(before {np.mean([r['F1 before'] for r in tracked]):.3f})")


def main() -> None:
    checkout.usage(__doc__)
    if not audio_beats.SOUNDFONT.is_file():
        sys.exit("needs fluidsynth and its soundfont (Debian: apt-get install fluidsynth fluid-soundfont-gm)")
    start = time.perf_counter()
    sets = {"chosen on": [], "the check": []}
    with tempfile.TemporaryDirectory() as folder:
        folder = Path(folder)
        for name in CORPUS:
            made = render(excerpt(name), folder, name.replace("/", "_").rsplit(".", 1)[0])
            if made:
                sets["chosen on"].append((name, score_piece(*made)))
        for index, (name, build) in enumerate(audio_beats.PIECES):
            made = render(build(), folder, f"check{index}")
            if made:
                sets["the check"].append((name, score_piece(*made)))
    for title, rows in sets.items():
        print(f"\n{title}:\n")
        print("| piece | notated meter | librosa on its beat | said: beats a bar, first bar line | bar lines | "
              "downbeat F1 (before) |")
        print("|---|---|---|---|---|---|")
        for name, r in rows:
            print(f"| {name} | {r['meter']} | {'yes' if r['tracked'] else 'no'} | {r['said']} | "
                  f"{'right' if r['bars right'] else 'wrong' if r['tracked'] else '—'} | "
                  f"{r['F1']:.2f} ({r['F1 before']:.2f}) |")
    print()
    for title, rows in sets.items():
        print(summary(title, rows))
    print(f"{sum(map(len, sets.values()))} pieces in {time.perf_counter() - start:.0f} s")


if __name__ == "__main__":
    main()
