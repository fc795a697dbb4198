"""Style labels of the shared CMU trials, read from CMU's own descriptions (``manifest.csv``).

A style is a condition of the model (a dance "in the manner of" salsa, of subject 5's ballet) and what a LoRA
adapter is trained on, so it is finer than the split's categories (``trial_category``), which only stratify the
held-out test: the salsa lead and follow move differently (the follow turns under the lead's arm), and the
trials that are neither dance nor sport are everyday gestures. The rules, in order (first match wins):

==================  ==========================================================================================
style               CMU description
==================  ==========================================================================================
salsa lead          "salsa dance (lead)" (subject 60)
salsa follow        "salsa dance (follow)" (subject 61)
modern dance        "dance - ..." (subject 5: ballet vocabulary, pirouettes, jetés, arabesques)
playground          "playground - ..." (climb, hang, swing, jump down)
basketball          "basketball - ..." (dribbles, shots)
martial arts        punch, strike, kick, swordplay, and subject 135's karate forms (Empi, Heiansyodan, Oiduki,
                    Gedanbarai, Mawashigeri, Syutouuke, "Motorcycle": CMU files all of subject 135 under
                    martial arts, so the subject decides where the name alone does not)
jumps               jump, hop (after playground, whose climbs end in jumps down)
locomotion          walk, run, jog, stride, navigate
gestures            anything else: everyday actions ("bend over, scoop up, rise, lift arm", "wash self")
==================  ==========================================================================================

A test keeps every shared trial labelled and the salsa takes split by role.
"""

from __future__ import annotations

from .cmu import Trial

STYLES = ("modern dance", "salsa lead", "salsa follow", "locomotion", "jumps", "martial arts", "gestures",
          "basketball", "playground")
DANCE_STYLES = ("modern dance", "salsa lead", "salsa follow")
_MARTIAL_WORDS = ("punch", "strike", "kick", "swordplay", "karate")
_LOCOMOTION_WORDS = ("walk", "run", "jog", "stride", "navigate")


def cmu_style(trial: Trial) -> str:
    """The style of a CMU trial, from its description (the rules of the module docstring)."""
    d = trial.description.lower()
    if d.startswith("salsa"):
        if "(lead)" in d:
            return "salsa lead"
        if "(follow)" in d:
            return "salsa follow"
    if d.startswith("dance"):
        return "modern dance"
    for prefix in ("playground", "basketball"):
        if d.startswith(prefix):
            return prefix
    if trial.subject == "135" or any(word in d for word in _MARTIAL_WORDS):
        return "martial arts"
    if "jump" in d or "hop" in d.split():
        return "jumps"
    if any(word in d for word in _LOCOMOTION_WORDS):
        return "locomotion"
    return "gestures"
