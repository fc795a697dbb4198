"""The ranges a number given from outside must lie in, one home each: the readers check files against them
(``laban.bvh``, ``laban.timing``, the score formats) and the command line's argument types against the same
(``motiongpt.cli.common``), which import this module alone, so that parsing a command line loads nothing heavy."""

# Frames per second of any capture, the command line's --fps range: a Frame Time outside it is a damaged or
# mistyped header (Frame Time 1000 made a 20-frame file a 5.5-hour score; 1e30 a traceback allocating it).
FRAME_RATES = (1.0, 1000.0)

# The tempi a person may give, on the command line (--bpm) or in a file (beats files, scores' tempo and beat times):
# one beat a minute is slower than any music, a thousand faster than any dance. Outside is a typo or a slip of units
# (milliseconds for seconds), which would divide by zero, or decode hours of motion, or draw thousands of pages.
MIN_TEMPO, MAX_TEMPO = 1.0, 1000.0  # beats per minute

MAX_BEATS_PER_BAR = 64  # the longest bar a meter may count (--meter, a score's meter, a beats file's numbering)
