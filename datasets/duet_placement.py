"""Recipe for ``motiongpt/checkpoints/duet/placement.json``: where a salsa follower stands relative to the lead.

    python datasets/duet_placement.py            # writes motiongpt/checkpoints/duet/placement.json
    python datasets/duet_placement.py --check    # recomputes and says whether the shipped file still agrees

Data: the shared CMU salsa pairs (subject 60 leads, 61 follows; the two files of a take share time and floor) of
the **training split only** (``motiongpt/data/cmu_split.csv``; a take's lead and follow are one group there), read
at their real 60 fps (the headers say 120) and sampled at 30 fps. Per frame: the follower's pelvis in the lead's
floor frame, the relative facing and the gap between the two bodies' cores (``motiongpt.cocreate.partners.relation``);
the file keeps the medians, the 5th/50th/95th percentiles and the gap's 1st percentile (the push-apart's margin),
lengths in lead standing heights. No motion is stored.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

COMMAND = "python datasets/duet_placement.py"


def training_pairs(split_name: str = "train"):
    """(take, lead, follow) trajectories at 30 fps of the salsa pairs of one split."""
    from laban import read_bvh
    from motiongpt.cocreate.duet import FPS
    from motiongpt.data.cmu import cmu_trials
    from motiongpt.data.split import read_cmu_split

    split = read_cmu_split()
    trials = {t.name: t for t in cmu_trials()}
    for name in sorted(trials):
        lead = trials[name]
        if lead.subject != "60" or split[name]["split"] != split_name:
            continue
        follow = trials[lead.partner]
        assert split[follow.name]["split"] == split_name
        yield (name, read_bvh(lead.path, frame_rate=lead.fps).trajectories(FPS),
               read_bvh(follow.path, frame_rate=follow.fps).trajectories(FPS))


def main(argv=None) -> int:
    from motiongpt.cocreate.partners import PLACEMENT, Placement, placement_from_pairs

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="compare with the shipped file instead of writing it")
    parser.add_argument("-o", "--output", type=Path, default=PLACEMENT)
    args = parser.parse_args(argv)
    placement = placement_from_pairs(training_pairs(), made_by=f"{COMMAND} (CMU salsa pairs of the training split)")
    if args.check:
        shipped = Placement.load(args.output)
        same = all(abs(a - b) < 1e-4 for a, b in zip(
            (*placement.offset, placement.facing, *placement.distance, placement.margin),
            (*shipped.offset, shipped.facing, *shipped.distance, shipped.margin)))
        print("the shipped placement agrees" if same else "the shipped placement differs: run the recipe again")
        return 0 if same else 1
    args.output.parent.mkdir(parents=True, exist_ok=True)
    placement.save(args.output)
    print(f"{args.output}: {len(placement.takes)} takes ({', '.join(placement.takes)}), {placement.frames} frames; "
          f"offset {placement.offset[0]:.2f}, {placement.offset[1]:.2f} heights, facing "
          f"{placement.facing * 57.29578:.0f} deg, distance band {placement.distance[0]:.2f}-"
          f"{placement.distance[2]:.2f}, "
          f"margin {placement.margin:.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
