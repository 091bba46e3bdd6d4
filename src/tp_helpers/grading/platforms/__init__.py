"""The learning platforms: what each hands out (a download of submissions) and takes back (an
import file, a feedback zip). One module per platform (:mod:`.canvas`, :mod:`.moodle`,
:mod:`.blackboard`), what they share (:mod:`.download`, :mod:`.gradebook`, the byte-preserving
CSV editor :mod:`.csvedit`), ``tp-course export`` (:mod:`.export`), and the Gradescope
autograder (:mod:`.gradescope`, its shell scripts as template files).

This module is the one list of the platforms: the CLI's flags and choices, the downloads, the
exports and the pages all read it. Importing it imports nothing else.
"""

from __future__ import annotations

#: the platforms whose downloads are read and whose import files are written: key -> name
PLATFORMS = {"canvas": "Canvas", "moodle": "Moodle", "blackboard": "Blackboard"}
#: every layout of submissions ``tp-course grade`` reads: the platforms', a flat folder of
#: ``<student_id>.ipynb`` and an nbgrader ``submitted/`` tree
LAYOUTS = (*PLATFORMS, "flat", "nbgrader")
