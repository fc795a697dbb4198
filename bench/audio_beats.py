"""How far librosa's beats are from the true ones: MIDI pieces with exact beats, rendered to audio.

    python bench/audio_beats.py            # needs librosa, fluidsynth and fluid-soundfont-gm (Debian)

Each piece is written with music21, rendered to WAV by fluidsynth with the General MIDI soundfont, and its beats
taken exactly from the score (``laban.beats_from_music`` on the MIDI file) and by librosa from the audio: with
``laban.timing.beats_from_audio`` (22,050 Hz, 256-sample hops), with ``motiongpt.metrics.beats.audio_beat_frames``
(the metric's setting: one 512-sample hop per frame at 60 fps), and with librosa's own 512-sample hop and a finer
128 (``laban.timing.track_beats``), to show how much the answer hangs on the hop. Every true beat is matched to its
nearest librosa beat; the closing beat at the end of the piece, where the music stops, is left out. Prints
markdown tables.
"""

from __future__ import annotations

import checkout  # noqa: F401  (this checkout's packages, not an installed copy)

import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

from laban.timing import AUDIO_HOP, AUDIO_RATE, beats_from_audio, beats_from_music, track_beats
from motiongpt.metrics.beats import audio_beat_frames

SOUNDFONT = Path("/usr/share/sounds/sf2/FluidR3_GM.sf2")
RATE = 22050
TOLERANCE = 0.070  # seconds: the usual beat-tracking F-measure window (MIREX)
METRIC_FPS = 60.0


# ---------------------------------------------------------------------------------------------------------------
# The pieces


def _score(tempi: dict[int, float], signature: str, parts: list[tuple[object, list[list[tuple]]]]):
    """A music21 score: ``tempi`` bar index -> bpm; each part an instrument and per bar a list of
    (quarter offset, pitches, quarter length) events."""
    from music21 import chord, meter, note, stream, tempo

    score = stream.Score()
    for instrument, bars in parts:
        part = stream.Part()
        part.insert(0, instrument)
        for index, events in enumerate(bars):
            measure = stream.Measure(number=index + 1)
            if index == 0:
                measure.insert(0, meter.TimeSignature(signature))
            if index in tempi:
                measure.insert(0, tempo.MetronomeMark(number=tempi[index]))
            bar_length = meter.TimeSignature(signature).barDuration.quarterLength
            filled = 0.0
            for offset, pitches, length in events:
                if offset > filled:
                    measure.insert(filled, note.Rest(quarterLength=offset - filled))
                element = chord.Chord(pitches) if len(pitches) > 1 else note.Note(pitches[0])
                element.quarterLength = length
                measure.insert(offset, element)
                filled = offset + length
            if filled < bar_length:
                measure.insert(filled, note.Rest(quarterLength=bar_length - filled))
            part.append(measure)
        score.insert(0, part)
    return score


_MELODY = ["C5", "D5", "E5", "G5", "A5", "G5", "E5", "D5", "C5", "E5", "G5", "C6", "A5", "G5", "E5", "D5"]
_BASS = ["C3", "A2", "F2", "G2"]
_CHORDS = [["E4", "G4", "C5"], ["E4", "A4", "C5"], ["F4", "A4", "C5"], ["D4", "G4", "B4"]]


def piano(bpm: float, bars: int, change: tuple[int, float] | None = None):
    """4/4 piano: a quarter-note melody with an eighth-note pickup into every other bar, bass on beats 1 and 3."""
    from music21 import instrument

    melody = []
    for bar in range(bars):
        notes = [_MELODY[(4 * bar + k) % len(_MELODY)] for k in range(4)]
        events = [(float(k), [p], 1.0) for k, p in enumerate(notes[:3])]
        events += [(3.0, [notes[3]], 0.5), (3.5, [_MELODY[(4 * bar + 5) % 16]], 0.5)] if bar % 2 else \
            [(3.0, [notes[3]], 1.0)]
        melody.append(events)
    bass = [[(0.0, [_BASS[bar % 4]], 2.0), (2.0, [_BASS[bar % 4]], 2.0)] for bar in range(bars)]
    tempi = {0: bpm} | ({change[0]: change[1]} if change else {})
    return _score(tempi, "4/4", [(instrument.Piano(), melody), (instrument.Piano(), bass)])


def waltz(bpm: float, bars: int):
    """3/4 piano waltz: oom-pah-pah (bass on 1, chords on 2 and 3) under a dotted-half / quarter melody."""
    from music21 import instrument

    accompaniment = [[(0.0, [_BASS[bar % 4]], 1.0), (1.0, _CHORDS[bar % 4], 1.0), (2.0, _CHORDS[bar % 4], 1.0)]
                     for bar in range(bars)]
    melody = [[(0.0, [_MELODY[(2 * bar) % 16]], 2.0), (2.0, [_MELODY[(2 * bar + 1) % 16]], 1.0)]
              for bar in range(bars)]
    return _score({0: bpm}, "3/4", [(instrument.Piano(), accompaniment), (instrument.Piano(), melody)])


def drums(bpm: float, bars: int):
    """4/4 rock beat on General MIDI drums (channel 10): kick on 1 and 3, snare on 2 and 4, closed hi-hat eighths."""
    from music21 import instrument

    kick = [[(0.0, ["C2"], 1.0), (2.0, ["C2"], 1.0)] for _ in range(bars)]  # key 36: bass drum 1
    snare = [[(1.0, ["D2"], 1.0), (3.0, ["D2"], 1.0)] for _ in range(bars)]  # key 38: acoustic snare
    hats = [[(k / 2, ["F#2"], 0.5) for k in range(8)] for _ in range(bars)]  # key 42: closed hi-hat
    return _score({0: bpm}, "4/4", [(instrument.BassDrum(), kick), (instrument.SnareDrum(), snare),
                                    (instrument.HiHatCymbal(), hats)])


def strings(bpm: float, bars: int):
    """4/4 legato strings: half-note chords that swell in, the hardest case (few sharp onsets)."""
    from music21 import instrument

    pads = [[(0.0, _CHORDS[bar % 4], 2.0), (2.0, _CHORDS[(bar + 1) % 4], 2.0)] for bar in range(bars)]
    bass = [[(0.0, [_BASS[bar % 4]], 4.0)] for bar in range(bars)]
    return _score({0: bpm}, "4/4", [(instrument.StringInstrument(), pads), (instrument.Contrabass(), bass)])


PIECES: list[tuple[str, Callable[[], object]]] = [
    ("piano 4/4, 90 bpm", lambda: piano(90, 12)),
    ("piano 4/4, 120 bpm", lambda: piano(120, 16)),
    ("drums 4/4, 150 bpm", lambda: drums(150, 20)),
    ("waltz 3/4, 90 bpm", lambda: waltz(90, 11)),
    ("waltz 3/4, 180 bpm (Viennese)", lambda: waltz(180, 32)),
    ("piano 4/4, 100 → 140 bpm at bar 9", lambda: piano(100, 16, change=(8, 140))),
    ("strings 4/4, 72 bpm legato", lambda: strings(72, 10)),
]


# ---------------------------------------------------------------------------------------------------------------
# Rendering and measuring


def render(midi: Path, wav: Path) -> None:
    """MIDI to a mono-mixable WAV with fluidsynth (no audio driver, no shell)."""
    subprocess.run(["fluidsynth", "-ni", "-q", "-F", str(wav), "-r", str(RATE), str(SOUNDFONT), str(midi)],
                   check=True, capture_output=True)


def _tempi(times: np.ndarray, end: float) -> tuple[float, float]:
    """Median tempo (bpm) of the beats in the first and in the last 40 % of the piece."""
    gaps = np.diff(times)
    middle = times[:-1] + gaps / 2
    first, last = gaps[middle < 0.4 * end], gaps[middle > 0.6 * end]
    return 60.0 / np.median(first), 60.0 / np.median(last)


_RATIOS = {1 / 3: "⅓", 1 / 2: "half", 2 / 3: "⅔", 1.0: "none", 3 / 2: "3:2", 2.0: "double", 3.0: "triple"}


def _octave(ratio: float) -> str:
    """Name the tempo ratio librosa / true: 'none' when within 4 %, else the nearest metrical ratio."""
    nearest = min(_RATIOS, key=lambda r: abs(np.log(ratio / r)))
    return _RATIOS[nearest] if abs(np.log(ratio / nearest)) < 0.04 else f"×{ratio:.2f}"


def _fmt_tempo(pair: tuple[float, float]) -> str:
    a, b = pair
    return f"{a:.1f}" if abs(np.log(a / b)) < 0.02 else f"{a:.1f} → {b:.1f}"


def measure(true: np.ndarray, found: np.ndarray, end: float) -> dict[str, object]:
    """Beat errors of ``found`` against ``true`` (seconds; true beats before ``end`` only)."""
    truth = true[true < end - 1e-6]
    signed = found[np.abs(truth[:, None] - found[None]).argmin(axis=1)] - truth  # nearest librosa beat
    error = np.abs(signed)
    hit = error <= TOLERANCE
    near = np.abs(found[:, None] - truth[None]).min(axis=1) <= TOLERANCE
    true_tempi, found_tempi = _tempi(true, end), _tempi(found, end)
    octaves = {_octave(f / t) for f, t in zip(found_tempi, true_tempi)}
    return {
        "true bpm": _fmt_tempo(true_tempi), "librosa bpm": _fmt_tempo(found_tempi),
        "octave error": " / ".join(sorted(octaves)),
        "bias ms": f"{1000 * np.median(signed[hit]):+.0f}" if hit.any() else "—",
        "median ms": f"{1000 * np.median(error):.0f}", "p90 ms": f"{1000 * np.percentile(error, 90):.0f}",
        "true beats hit ≤ 70 ms": f"{hit.mean():.0%} ({hit.sum()}/{len(hit)})",
        "librosa beats on a true beat": f"{near.mean():.0%} ({near.sum()}/{len(near)})",
    }


def table(rows: list[tuple[str, dict[str, object]]]) -> str:
    """A markdown table, one row per piece."""
    columns = list(rows[0][1])
    lines = ["| piece | " + " | ".join(columns) + " |", "|---" * (len(columns) + 1) + "|"]
    lines += [f"| {name} | " + " | ".join(str(row[c]) for c in columns) + " |" for name, row in rows]
    return "\n".join(lines)


def main() -> None:
    checkout.usage(__doc__)
    missing = [what for what, ok in (("fluidsynth", shutil.which("fluidsynth")), (str(SOUNDFONT), SOUNDFONT.is_file()))
               if not ok]
    if missing:
        sys.exit(f"needs {' and '.join(missing)} (Debian: apt-get install fluidsynth fluid-soundfont-gm)")
    laban_rows, metric_rows, hop_rows = [], [], []
    start = time.perf_counter()
    with tempfile.TemporaryDirectory() as folder:
        for index, (name, build) in enumerate(PIECES):
            midi, wav = Path(folder) / f"{index}.mid", Path(folder) / f"{index}.wav"
            build().write("midi", fp=midi)
            render(midi, wav)
            true = np.array(beats_from_music(midi).times)
            end = true[-1]  # the closing beat: the music stops there
            laban_rows.append((name, measure(true, np.array(beats_from_audio(wav).times), end)))
            metric_rows.append((name, measure(true, audio_beat_frames(wav, METRIC_FPS) / METRIC_FPS, end)))
            hops = {}
            for hop in (512, 256, 128):
                result = measure(true, track_beats(wav, AUDIO_RATE, hop) * hop / AUDIO_RATE, end)
                hops[f"hop {hop}: bpm"] = result["librosa bpm"]
                hops[f"hop {hop}: hit ≤ 70 ms"] = str(result["true beats hit ≤ 70 ms"]).split()[0]
            hop_rows.append((name, {"true bpm": laban_rows[-1][1]["true bpm"]} | hops))
            print(f"{name}: {end:.1f} s", file=sys.stderr)
    print(f"beats_from_audio ({AUDIO_RATE:,} Hz, {AUDIO_HOP}-sample hops = {1000 * AUDIO_HOP / AUDIO_RATE:.1f} ms):\n")
    print(table(laban_rows))
    print(f"\naudio_beat_frames at {METRIC_FPS:g} fps (the metric's setting: {METRIC_FPS:g} × 512 Hz, a hop per "
          "frame), beat times = frame / fps:\n")
    print(table(metric_rows))
    print(f"\nThe same tracker at {AUDIO_RATE:,} Hz with other hops (librosa's default is 512):\n")
    print(table(hop_rows))
    print(f"\n{len(PIECES)} pieces in {time.perf_counter() - start:.1f} s")


if __name__ == "__main__":
    main()
