"""The data motiongpt trains and evaluates on.

- ``cmu``: the shared CMU motion capture (``$MOTIONGPT_MOCAP`` or ``shared/mocap`` beside the checkout): its
  trials, their real frame rates, the archives unpacked once;
- ``split``: the fixed train / validation / test split, shipped with the package;
- ``clips``: clips to measure (a motion with its beats, score and words), from a split or a folder.
"""

from .clips import Clip, beats_beside, first_seconds, load, load_directory, load_split, pieces
from .cmu import Trial, cmu_trials, mocap_root
from .split import SPLITS, make_cmu_split, read_cmu_split, trial_category, trial_group, write_cmu_split

__all__ = ["SPLITS", "Clip", "Trial", "beats_beside", "cmu_trials", "first_seconds", "load", "load_directory",
           "load_split", "make_cmu_split", "mocap_root", "pieces", "read_cmu_split", "trial_category", "trial_group",
           "write_cmu_split"]
