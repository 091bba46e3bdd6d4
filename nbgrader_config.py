"""nbgrader configuration of this course, read by plain ``nbgrader`` and by ``tp-course build``.

Plain nbgrader needs its own layout, ``source/<lab>/<lab>.ipynb``: copy the lab there first
(``mkdir -p source/tp7_qa && cp solutions/tp7_qa.ipynb source/tp7_qa/``).
docs/grading-a-class.md ("Grading with plain nbgrader") lists the commands. ``tp-course build``
runs the same generate_assignment, with this file, in a temporary course directory, then writes
``notebooks/<lab>.ipynb``.
"""

from nbconvert.preprocessors import CSSHTMLHeaderPreprocessor
from nbgrader.preprocessors import ClearHiddenTests, GetGrades

c = get_config()  # noqa: F821 (defined by the traitlets config loader)

# The stub that replaces each `### BEGIN SOLUTION` ... `### END SOLUTION` region (markers included).
# `tp-course build` writes the exercise label after "Exercise", read from the enclosing
# `# --- START CODE HERE (NN)` line: `raise NotImplementedError("Exercise 03: write ...")`.
c.ClearSolutions.code_stub = {
    "python": 'raise NotImplementedError("Exercise: write your code here, then run the cell")'
}
c.ClearSolutions.begin_solution_delimeter = "### BEGIN SOLUTION"
c.ClearSolutions.end_solution_delimeter = "### END SOLUTION"
c.ClearHiddenTests.begin_test_delimeter = "### BEGIN HIDDEN TESTS"
c.ClearHiddenTests.end_test_delimeter = "### END HIDDEN TESTS"

# Seconds per cell at autograde. Training is capped to 2 steps there (NBGRADER_EXECUTION=autograde),
# but loading a model on a busy 2-core machine can outlast nbgrader's default of 30 s.
c.Execute.timeout = 600

# Feedback shows each graded cell's source: strip the hidden tests from it, as from the release.
c.GenerateFeedback.preprocessors = [GetGrades, ClearHiddenTests, CSSHTMLHeaderPreprocessor]

# Tracebacks in the autograded notebook (and so in feedback) without source lines: IPython's
# default context would show the hidden tests next to a failing visible check.
c.Execute.extra_arguments = ["--InteractiveShell.xmode=Minimal"]
