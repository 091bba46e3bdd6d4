"""The instructor's week after the deadline: what the course team decides after the autograde.

* :mod:`.course`: the course file (labs, due dates, the late rule, extensions, accommodations);
* :mod:`.late`: each submission's lateness and its penalty, computed at report and export time;
* :mod:`.adjustments`: the team's ``adjustments.csv``, applied after the autograde;
* :mod:`.final`: the four parts of a grade (automatic, adjustments, late penalty, final).
* :mod:`.labs`: which of the course file's labs a command is about, when it lists several.

Nothing here writes a result: every grade is recomputed from the raw results each time.
"""
