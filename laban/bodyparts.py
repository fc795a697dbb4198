"""Which joint is which part of the body, by names first and the hierarchy second.

Every part is named by the joint at its proximal end (see ``laban.skeleton``). Recognition works in three steps:

1. **Names.** A joint's name is cut into words ('mixamorig:LeftUpLeg' → left, up, leg; 'lfemur' → l, femur;
   'upper_arm.L' → upper, arm, l; OptiTrack Motive's 'LFArm' → l, farm), the side is read from them, and the
   rest is matched against the anatomy's words: thigh/upleg/femur, knee/shin/calf/tibia/leg, ankle/foot,
   toe/ball, clavicle/collar, shoulder, arm/upperarm/uarm/humerus, elbow/forearm/farm/lowerarm/radius,
   wrist/hand, neck, head, pelvis/hips. Fingers, eyes, end sites, twist and IK bones are left out.
2. **Limb chains.** Each limb is the chain from where it hangs (the pelvis for legs, the chest for arms) to its
   most distal named joint. Its parts are placed along the chain in anatomical order, each where its name fits
   best: so a 'shoulder' followed by an 'arm' is the clavicle (Mixamo, CMU MotionBuilder) while a 'shoulder'
   followed by an 'elbow' is the upper arm (Kinect, SMPL), and an 'ankle' followed by a 'foot' makes that foot
   the toes (SMPL, Kinect). A part whose name is missing takes the next distinct joint after (or before) its
   neighbour in the chain.
3. **Torso.** The pelvis is where the two legs meet, the chest where the two arms meet (the joint the shoulders
   hang from); where the spine does not rise from the legs' joint (Character Creator's and Daz Genesis's 'Pelvis'
   under the 'Hip', beside the waist) the pelvis is the joint where legs and spine part. The spine is the first
   joint between pelvis and chest that is not at the pelvis, the head the joint named so
   (or the end of the chain that rises from the chest), the neck the first joint named so between chest and head
   (or the first joint there).

Sides come from names. Only limbs whose names carry no side are put on a side by the rest pose: the performer's
left is the left of the direction the feet point.

Names alone are not enough: 3ds Max and MotionBuilder exports put zero-length or coincident helper joints at the
pelvis beside the real hips, often named like the limb ('LeftHip', a 'LeftUpLeg' with a 'LeftThigh' under it).
So the rest pose has the last word on where a limb bends: a required limb part that sits where the part before it
is (a helper, ``COINCIDENT``) moves down its chain to the first joint that is elsewhere, and the parts after it
follow. What is still anatomically impossible after that (hips or shoulders that coincide, a limb bone shorter than
``SHORTEST_BONE``) is a ``SkeletonError`` naming the joints; left and right parts lying on the wrong sides are a
warning. Both suggest ``--map part=joint``.
"""

from __future__ import annotations


import re
import warnings
from functools import lru_cache
from typing import NamedTuple

import numpy as np

from .errors import SkeletonError
from .skeleton import REQUIRED_PARTS, BodyPart, Skeleton

LEFT, RIGHT = "left", "right"
ARM = ("shoulder", "upper-arm", "forearm", "hand")  # proximal to distal, as BodyPart values without the side
LEG = ("thigh", "shin", "foot", "toes")
_SIDE_WORDS = {"left": LEFT, "l": LEFT, "right": RIGHT, "r": RIGHT}
# Rest positions closer than this (m) are one place: a helper joint adds no landmark there.
COINCIDENT = 0.01
# The shortest thigh, shin, upper arm or forearm of a human figure (m): a child's are over 15 cm.
SHORTEST_BONE = 0.05

# Words that mark a joint as no part of the body's stick figure.
_IGNORED = frozenset("""thumb index middle mid ring pinky pinkie little finger fingers fingerbase tip carpal metacarpal
    eye eyes ear ears jaw nose brow lip lips tongue teeth cheek lid end nub site top twist roll ik pole target heel
    buttock glute breast hair tail helper armature""".split())
# Anatomy words that a one-letter side may be glued to, as in CMU's 'lfemur' and 'rradius'.
_STEMS = ("hip", "thigh", "upleg", "femur", "leg", "knee", "shin", "calf", "tibia", "ankle", "foot", "toe", "ball",
          "clavicle", "collar", "shoulder", "shldr", "arm", "uarm", "uparm", "upperarm", "humerus", "farm", "forearm",
          "elbow", "radius", "ulna", "wrist", "hand", "finger", "thumb", "index", "eye", "buttock")

# (pattern on the side-less words run together, torso?, {part: strength}); the first matching rule names the joint.
# Torso rules need a name without a side ('hip' is Daz's pelvis, 'LeftHip' a thigh). Strength 2 is an unambiguous
# word, 1 a word that other conventions use for a neighbouring joint.
_RULES: tuple[tuple[str, bool, dict[str, int]], ...] = (
    (r"^(spinebase|hipcent(er|re)|hips?|pelvis)$", True, {"pelvis": 2}),
    (r"spineshoulder|shouldercent(er|re)|chest|thorax", True, {"chest": 2}),
    (r"spine|back|abdomen|lumbar", True, {"spine": 2}),
    (r"neck", True, {"neck": 2}),
    (r"head", True, {"head": 2}),
    (r"toe|ball", False, {"toes": 2}),
    (r"ankle", False, {"foot": 2}),
    (r"foot", False, {"foot": 2, "toes": 1}),  # SMPL's and Kinect's 'foot' is the toes, after an 'ankle'
    (r"thigh|upleg|upperleg|femur", False, {"thigh": 2}),
    (r"knee|shin|calf|tibia|leg", False, {"shin": 2}),
    (r"hip", False, {"thigh": 1}),  # CMU's 'LHipJoint' sits at the pelvis, before the 'UpLeg'
    (r"clavicle|collar|clav", False, {"shoulder": 2}),
    (r"forearm|lowerarm|loarm|^farm$|elbow|radius|ulna", False, {"forearm": 2}),  # 'farm': Motive's 'LFArm'
    (r"upperarm|uparm|humerus|shldr|arm", False, {"upper-arm": 2}),
    (r"shoulder", False, {"shoulder": 1, "upper-arm": 1}),
    (r"wrist|hand", False, {"hand": 2}),
)


class Label(NamedTuple):
    """What a joint's name says: its side (LEFT, RIGHT or None), the parts it may be with their strengths, and
    whether it is no part of the stick figure at all (a finger, an eye, an end site)."""

    side: str | None
    parts: dict[str, int]
    ignored: bool = False


def recognise(skeleton: Skeleton, mapping: dict[str, str] | None = None) -> dict[BodyPart, int]:
    """Body parts → joint indices. ``mapping`` ({part value or name: joint name}) overrides what is recognised.

    Raises ``SkeletonError`` naming every required part that cannot be found, a mapped joint that is not there,
    or one joint mapped for two required parts.
    """
    parts = named_parts(skeleton)
    mapped = _mapped(skeleton, mapping or {})
    parts.update(mapped)
    missing = [p.value for p in REQUIRED_PARTS if p not in parts]
    if missing:
        error = SkeletonError(
            f"cannot recognise {', '.join(missing)} among the joints {', '.join(skeleton.names)}; "
            f"name them, e.g. mapping={{'{missing[0]}': '<joint>'}} (--map {missing[0]}=<joint>)")
        error.missing = missing  # for a caller that says otherwise how to name them
        raise error
    parts = dict(sorted(parts.items(), key=lambda item: list(BodyPart).index(item[0])))
    check_plausible(skeleton, parts)
    _one_joint_each(skeleton, mapped)
    return parts


def recognised(skeleton: Skeleton, mapping: dict[str, str] | None = None) -> Skeleton:
    """The skeleton with ``parts`` filled in place. Parts already complete (a user's mapping applied earlier) are
    kept when no new mapping is given, so that a later plain call does not undo the user's choice."""
    if mapping or not all(p in skeleton.parts for p in REQUIRED_PARTS):
        skeleton.parts = recognise(skeleton, mapping)
    return skeleton


def named_parts(skeleton: Skeleton) -> dict[BodyPart, int]:
    """What the names and the hierarchy say of the body parts, unchecked and perhaps incomplete: ``recognise``'s
    first guess, which a person confirms or corrects where the skeleton is not recognised (the studio's form)."""
    return dict(_recognised_by_layout(skeleton.names, skeleton.parents.tobytes(), skeleton.offsets.tobytes()))


@lru_cache(maxsize=64)
def _recognised_by_layout(names: tuple[str, ...], parents: bytes, offsets: bytes) -> tuple[tuple[BodyPart, int], ...]:
    """Recognition depends on names, hierarchy and rest pose alone: a data set of one skeleton is read once."""
    skeleton = Skeleton(names, np.frombuffer(parents, np.int64), np.frombuffer(offsets, np.float64).reshape(-1, 3))
    return tuple(_recognised_parts(skeleton).items())


def _mapped(skeleton: Skeleton, mapping: dict[str, str]) -> dict[BodyPart, int]:
    if not isinstance(mapping, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in mapping.items()):
        raise SkeletonError(f"a mapping names body parts' joints ({{'hand-left': 'LWrist', ...}}), not {mapping!r:.60}")
    parts = {}
    for key, joint in mapping.items():
        part = _body_part(key)
        if joint not in skeleton.names:
            raise SkeletonError(f"mapping names joint '{joint}' for {part.value}, but the skeleton has no such joint "
                                f"(joints: {', '.join(skeleton.names)})")
        parts[part] = skeleton.index(joint)
    return parts


def _one_joint_each(skeleton: Skeleton, mapped: dict[BodyPart, int]) -> None:
    """Refuse a mapping that names one joint for two required parts (both hands, or the pelvis and the chest): a
    required part is a landmark of its own, and ``check_plausible`` (run first, with its own words for hips or
    shoulders that coincide and for a limb bone of no length) looks only at neighbours in a limb. An optional part
    may share its joint (a rig without a neck: the head mapped to the joint recognised as the neck)."""
    required = [(part, j) for part, j in mapped.items() if part in REQUIRED_PARTS]
    for k, (part, j) in enumerate(required):
        other = next((o for o, i in required[k + 1:] if i == j), None)
        if other is not None:
            raise SkeletonError(f"mapping names joint '{skeleton.names[j]}' for both {part.value} and {other.value}: "
                                f"each needs a joint of its own")


def _body_part(key: str | BodyPart) -> BodyPart:
    """A part from its value ('hand-left') or its name ('HAND_LEFT', 'hand_left')."""
    try:
        return BodyPart(str(getattr(key, "value", key)).strip().lower().replace("_", "-"))
    except ValueError:
        raise SkeletonError(f"unknown body part '{key}' in mapping (known: {', '.join(p.value for p in BodyPart)})") \
            from None


def _naming(reason: str, *parts: BodyPart) -> SkeletonError:
    """A recognition refused for ``reason``, which ends saying which joints to name, with the ``--map`` that names
    them; ``reason`` kept alone for a caller that asks for the joints its own way (the studio's form)."""
    error = SkeletonError(f"{reason}, e.g. {' '.join(f'--map {part.value}=<joint>' for part in parts)}")
    error.reason = reason
    return error


def check_plausible(skeleton: Skeleton, parts: dict[BodyPart, int]) -> None:
    """Refuse a body no human has: hips or shoulders that coincide, a thigh, shin, upper arm or forearm shorter than
    ``SHORTEST_BONE`` (SkeletonError); warn when the parts named left lie on the performer's right.

    A wrong recognition (helper joints taken for limbs) shows here, so the messages name the joints and the
    ``--map`` that fixes it."""
    rest = rest_positions(skeleton)
    name = lambda part: skeleton.names[parts[part]]  # noqa: E731
    for joints, kind in (("hip", "thigh"), ("shoulder", "upper-arm")):
        a, b = BodyPart(f"{kind}-left"), BodyPart(f"{kind}-right")
        if np.linalg.norm(rest[parts[a]] - rest[parts[b]]) < COINCIDENT:
            raise _naming(f"the {joints} joints coincide: {a.value} '{name(a)}' and {b.value} '{name(b)}' are at one "
                          f"place in the rest pose, so they are helper joints, not the {joints}s; name the real ones",
                          a, b)
    for side in (LEFT, RIGHT):
        for upper, lower in (("thigh", "shin"), ("shin", "foot"), ("upper-arm", "forearm"), ("forearm", "hand")):
            a, b = BodyPart(f"{upper}-{side}"), BodyPart(f"{lower}-{side}")
            length = float(np.linalg.norm(rest[parts[b]] - rest[parts[a]]))
            if length < SHORTEST_BONE:
                raise _naming(f"the {upper} from '{name(a)}' to '{name(b)}' is {length * 100:.1f} cm long in the "
                              f"rest pose, shorter than any person's ({SHORTEST_BONE * 100:.0f} cm): one of them is "
                              "a helper joint; name the joint where the limb bends", b)
    forward = _Body(skeleton).forward()
    if forward is None:  # no feet to say where the figure faces
        return
    left = np.cross([0.0, 1.0, 0.0], forward)
    wrong = [(BodyPart(f"{kind}-left"), BodyPart(f"{kind}-right")) for kind in ("thigh", "upper-arm")]
    wrong = [(a, b) for a, b in wrong if (rest[parts[a]] - rest[parts[b]]) @ left < 0]
    if wrong:
        a, b = wrong[0]
        warnings.warn(f"{' and '.join(f'{x.value} {name(x)!r}' for x, _ in wrong)} lie(s) on the performer's right "
                      f"(seen from where the feet point): if the names are mirrored, swap the sides with --map, "
                      f"e.g. --map {a.value}={name(b)} --map {b.value}={name(a)}", stacklevel=3)


def rest_positions(skeleton: Skeleton) -> np.ndarray:
    """Every joint's position in the rest pose (J, 3), the root at the origin: the offsets summed down the tree."""
    rest = np.zeros((skeleton.joint_count, 3))
    for j, p in enumerate(skeleton.parents):
        if p >= 0:
            rest[j] = rest[p] + skeleton.offsets[j]
    return rest


# --- names ----------------------------------------------------------------------------------------------------


def words(name: str) -> list[str]:
    """Lower-case words of a joint name: namespaces dropped, camelCase, separators and glued sides split."""
    found = re.findall(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|\d+", name.rsplit(":", 1)[-1])
    # OptiTrack Motive's 'LUArm' and 'RFArm' are a side and an abbreviated bone ('UArm', 'FArm'): camelCase cuts
    # them into 'LU' and 'Arm', so two capitals before a word are glued back on, and kept so where that reads as a
    # side glued to a bone (as CMU's 'lfemur' reads)
    for k in range(len(found) - 1):
        if len(found[k]) == 2 and found[k].isupper() and found[k + 1][0].isupper() and found[k + 1][1:].islower() \
                and len(_unglued((found[k] + found[k + 1]).lower())) == 2:
            found[k], found[k + 1] = found[k] + found[k + 1], ""
    return [part for word in found if word for part in _unglued(word.lower())]


def _unglued(word: str) -> list[str]:
    for side in ("left", "right", "l", "r"):
        rest = word[len(side):]
        if word.startswith(side) and rest.startswith(_STEMS):
            return [side, rest]
    for side in ("left", "right"):
        if word.endswith(side) and len(word) > len(side):
            return [word[: -len(side)], side]
    return [word]


def label(name: str) -> Label:
    """What a joint's name says about the body part it is."""
    ws = words(name)
    sides = {_SIDE_WORDS[w] for w in ws if w in _SIDE_WORDS}
    side = next(iter(sides)) if len(sides) == 1 else None
    if {"foot", "index"} <= set(ws):  # MediaPipe's 'left_foot_index' is the tip of the toes, not a finger
        return Label(side, {"toes": 2})
    if any(w in _IGNORED for w in ws) and not any(w.startswith("spine") for w in ws):
        return Label(side, {}, ignored=True)
    stem = "".join(w for w in ws if w not in _SIDE_WORDS and not w.isdigit())
    for pattern, torso, parts in _RULES:
        if re.search(pattern, stem) and not (torso and sides):
            return Label(side, dict(parts))
    return Label(side, {})


def _limb(parts: dict[str, int]) -> tuple[str, ...] | None:
    """ARM or LEG when all the parts a label names belong to that limb."""
    for limb in (ARM, LEG):
        if parts and all(p in limb for p in parts):
            return limb
    return None


# --- hierarchy ------------------------------------------------------------------------------------------------


def _recognised_parts(skeleton: Skeleton) -> dict[BodyPart, int]:
    body = _Body(skeleton)
    limbs = body.limb_ends()
    parts: dict[BodyPart, int] = {}
    pelvis = body.hung_from(limbs, LEG)
    if pelvis is None:
        pelvis = body.named("pelvis")
    chest = body.hung_from(limbs, ARM)
    if chest is None:
        chest = body.named("chest", below=pelvis)
    if pelvis is not None and chest is not None and pelvis not in body.ancestors(chest):
        # The pelvis turns the legs and the spine together: a joint that carries the legs alone would leave the
        # upper body behind in every turn
        pelvis = body.meet([pelvis, chest])
    for (limb, side), end in limbs.items():
        base = pelvis if limb is LEG else chest
        for kind, joint in zip(limb, body.limb_parts(body.path(base, end), limb, base)):
            if joint is not None:
                parts[BodyPart(f"{kind}-{side}")] = joint
    for kind, joint in zip(("pelvis", "spine", "chest", "neck", "head"), body.torso(pelvis, chest)):
        if joint is not None:
            parts[BodyPart(kind)] = joint
    return parts


class _Body:
    """A skeleton's labels, depths and rest positions, and the questions recognition asks of them."""

    def __init__(self, skeleton: Skeleton) -> None:
        self.skeleton = skeleton
        self.parents = [int(p) for p in skeleton.parents]
        self.labels = [label(n) for n in skeleton.names]
        self.limb = [_limb(lab.parts) for lab in self.labels]
        bones = skeleton.bone_lengths()
        # A joint at the same place as its parent (CMU's LHipJoint, LeftShoulder) adds no new landmark.
        self.moved = bones > 1e-6 * max(float(bones.max(initial=0.0)), 1e-12)
        self.depth = np.zeros(skeleton.joint_count, dtype=np.int64)
        self.rest = np.zeros((skeleton.joint_count, 3))
        for j, p in enumerate(self.parents):
            if p >= 0:
                self.depth[j] = self.depth[p] + 1
                self.rest[j] = self.rest[p] + skeleton.offsets[j]

    def ancestors(self, joint: int) -> list[int]:
        """The joint and its ancestors, up to the root."""
        chain = [joint]
        while self.parents[chain[-1]] >= 0:
            chain.append(self.parents[chain[-1]])
        return chain

    def meet(self, joints: list[int]) -> int:
        """The nearest joint that has all of ``joints`` at or below it."""
        common = set(self.ancestors(joints[0])).intersection(*(self.ancestors(j) for j in joints[1:]))
        return max(common, key=lambda j: self.depth[j])

    def path(self, base: int | None, end: int) -> list[int]:
        """Joints from just below ``base`` down to ``end`` (from the root when ``base`` is not above ``end``)."""
        up = self.ancestors(end)
        if base in up:
            up = up[: up.index(base)]
        return up[::-1]

    def named(self, kind: str, below: int | None = None) -> int | None:
        """The most proximal joint named as torso part ``kind`` (at or below ``below`` when given)."""
        found = [j for j, lab in enumerate(self.labels) if kind in lab.parts
                 and (below is None or below in self.ancestors(j))]
        return min(found, key=lambda j: self.depth[j], default=None)

    def limb_ends(self) -> dict[tuple[tuple[str, ...], str], int]:
        """The most distal named joint of each limb, by (ARM or LEG, side)."""
        ends: dict[tuple[tuple[str, ...], str], int] = {}
        sideless: dict[tuple[str, ...], list[int]] = {ARM: [], LEG: []}
        for j, (lab, limb) in enumerate(zip(self.labels, self.limb)):
            if limb is None:
                continue
            if lab.side is None:
                sideless[limb].append(j)
            elif (limb, lab.side) not in ends or self.depth[j] > self.depth[ends[limb, lab.side]]:
                ends[limb, lab.side] = j
        for limb, joints in sideless.items():
            if joints and (limb, LEFT) not in ends and (limb, RIGHT) not in ends:
                ends.update({(limb, side): j for side, j in self._sides_by_rest_pose(joints).items()})
        return ends

    def _sides_by_rest_pose(self, joints: list[int]) -> dict[str, int]:
        """Two side-less limbs told apart by the rest pose: the left one lies to the left of where the feet point."""
        top = self.meet(joints)
        branches: dict[int, list[int]] = {}
        for j in joints:
            if j != top:
                branches.setdefault(self.path(top, j)[0], []).append(j)
        if len(branches) != 2:
            return {}
        ends = [max(js, key=lambda j: self.depth[j]) for js in branches.values()]
        left = np.cross([0.0, 1.0, 0.0], self._forward())
        right_end, left_end = sorted(ends, key=lambda j: float(self.rest[j] @ left))
        return {LEFT: left_end, RIGHT: right_end}

    def _forward(self) -> np.ndarray:
        """Where the rest pose faces: the horizontal way the last bones of the legs (the feet) point, else +z."""
        forward = self.forward()
        return np.array([0.0, 0.0, 1.0]) if forward is None else forward

    def forward(self) -> np.ndarray | None:
        """The horizontal way the last bones of the legs (the feet) point, or None when they do not say."""
        tips = [j for j, limb in enumerate(self.limb) if limb is LEG
                and not any(self.limb[c] is LEG for c in self.skeleton.children(j))]
        bones = np.array([self.skeleton.end_sites.get(j, self.skeleton.offsets[j]) for j in tips]).reshape(-1, 3)
        flat = bones.sum(axis=0) * [1.0, 0.0, 1.0]
        if np.linalg.norm(flat) > 0.2 * np.linalg.norm(bones, axis=1).sum() > 0:
            return flat / np.linalg.norm(flat)
        return None

    def hung_from(self, limbs: dict, limb: tuple[str, ...]) -> int | None:
        """Where a pair of limbs hangs from: the pelvis for legs, the chest for arms.

        It is the joint where the two limbs meet (or, with one limb, its parent), even below a joint named pelvis
        (3ds Max Biped hangs the thighs from the 'Spine' under 'Pelvis'): the decoder turns the pelvis alone and
        bends the joints from it to the chest, and a bent joint that carries the legs would drag the planted feet.
        A meeting point named neck (some rigs hang the clavicles from the neck) moves down to the joint below the
        neck."""
        ends = [limbs[limb, side] for side in (LEFT, RIGHT) if (limb, side) in limbs]
        if not ends:
            return None
        meeting = self.meet(ends) if len(ends) == 2 else self.parents[self._first_joint(ends[0])]
        if meeting < 0:
            return None
        while "neck" in self.labels[meeting].parts and self.parents[meeting] >= 0:
            meeting = self.parents[meeting]
        return meeting

    def _first_joint(self, end: int) -> int:
        """The most proximal named joint of the limb that ``end`` closes."""
        first = end
        for j in self.ancestors(end)[1:]:
            if self.limb[j] is self.limb[end]:
                first = j
            elif self.labels[j].parts:
                break
        return first

    def limb_parts(self, chain: list[int], limb: tuple[str, ...], base: int | None = None) -> list[int | None]:
        """The joints of ``limb``'s parts along ``chain`` (proximal to distal), or None where a part is absent.

        Parts are placed in anatomical order where their names fit best; required parts weigh more, so that a
        lone 'shoulder' becomes the required upper arm rather than the optional clavicle. Then helper joints
        are stepped over (``_off_helpers``)."""
        if not chain:  # limbs tangled into each other by their names
            return [None] * len(limb)
        chain = chain + self._beyond(chain[-1])
        strengths = [self.labels[j].parts for j in chain]
        weights = [3 if BodyPart(f"{kind}-{LEFT}") in REQUIRED_PARTS else 1 for kind in limb]

        @lru_cache(maxsize=None)
        def best(k: int, start: int) -> tuple[int, tuple[int | None, ...]]:
            """Best score and places for parts k.. on chain[start:]; on ties the more proximal places."""
            if k == len(limb):
                return 0, ()
            score, rest = best(k + 1, start)
            choice = (score, (None,) + rest)
            for i in range(start, len(chain)):
                strength = strengths[i].get(limb[k], 0)
                if strength:
                    score, rest = best(k + 1, i + 1)
                    if score + weights[k] * strength > choice[0]:
                        choice = (score + weights[k] * strength, (i,) + rest)
            return choice

        places = list(best(0, 0)[1])
        self._fill_gaps(chain, places)
        self._off_helpers(chain, places, limb, base)
        return [None if i is None else chain[i] for i in places]

    def _off_helpers(self, chain: list[int], places: list[int | None], limb: tuple[str, ...],
                     base: int | None) -> None:
        """Move each required part that sits where the required part before it is (for the first: where the limb
        hangs from) to the first joint down the chain that is elsewhere: the joint where the limb really bends.
        A zero-length 'LeftUpLeg' at the pelvis above the real hip gives way to the joint below it, and the parts
        after it move on in turn. The end of the limb (foot, hand) stays where its name put it: a repair that would
        push it along is no repair (a rig whose thighs really start at the pelvis), and the parts stay as named
        for ``check_plausible`` to refuse."""
        named = list(places)  # as the names put them
        required = [k for k, kind in enumerate(limb) if BodyPart(f"{kind}-{LEFT}") in REQUIRED_PARTS]
        before = None if base is None else self.rest[base]
        last = -1
        for k in required:
            i = places[k]
            if i is None:
                continue
            if i <= last or (before is not None and np.linalg.norm(self.rest[chain[i]] - before) < COINCIDENT):
                later = next((m for m in range(max(i, last) + 1, len(chain)) if not self.labels[chain[m]].ignored
                              and (before is None or np.linalg.norm(self.rest[chain[m]] - before) >= COINCIDENT)),
                             None)
                if later is None or k == required[-1]:
                    places[:] = named
                    return
                places[k] = i = later
            before, last = self.rest[chain[i]], i

    def _unnamed(self, joint: int) -> bool:
        return not self.labels[joint].parts and not self.labels[joint].ignored

    def _beyond(self, end: int) -> list[int]:
        """Unnamed joints that continue a limb past its last named joint (a 'palm' after the forearm)."""
        more = []
        while len(children := [c for c in self.skeleton.children(end) if self._unnamed(c)]) == 1:
            end = children[0]
            more.append(end)
        return more

    def _fill_gaps(self, chain: list[int], places: list[int | None]) -> None:
        """Give a part with no name the next distinct unnamed joint after the part before it (or the last one
        before the part after it), keeping the parts in order along the chain."""
        free = [i for i, j in enumerate(chain) if self.moved[j] and self._unnamed(j)]
        changed = True
        while changed:
            changed = False
            for k, place in enumerate(places):
                if place is not None:
                    continue
                before = max((p for p in places[:k] if p is not None), default=-1)
                after = min((p for p in places[k + 1:] if p is not None), default=len(chain))
                between = [i for i in free if before < i < after]
                if between and k > 0 and places[k - 1] is not None:
                    places[k], changed = between[0], True
                elif between and k + 1 < len(places) and places[k + 1] is not None:
                    places[k], changed = between[-1], True

    def torso(self, pelvis: int | None, chest: int | None) -> list[int | None]:
        """Pelvis, spine, chest, neck and head."""
        spine = None
        if pelvis is not None and chest is not None and pelvis in self.ancestors(chest):
            spine = next((j for j in self.path(pelvis, chest)[:-1] if self.moved[j]), None)
        top = chest if chest is not None else pelvis
        if top is None:
            return [pelvis, spine, chest, None, None]
        head = self.named("head", below=top)
        if head is None:
            head = self._upward_end(top)
        neck = None
        if head is not None:
            between = self.path(top, head)[:-1]
            neck = next((j for j in between if "neck" in self.labels[j].parts), between[0] if between else None)
        return [pelvis, spine, chest, neck, head]

    def _upward_end(self, top: int) -> int | None:
        """The head of a skeleton that does not name it: the most distal joint above ``top`` outside the limbs."""
        candidates = [j for j in range(self.skeleton.joint_count) if j != top and top in self.ancestors(j)
                      and not self.labels[j].ignored and not any(self.limb[a] for a in self.path(top, j))]
        return max(candidates, key=lambda j: (self.depth[j], -j), default=None)
