"""Sphinx configuration of the course package's documentation site.

Build it (warnings are errors, so a broken link between pages fails):
``sphinx-build -W --keep-going -n -b html docs docs/_build/html``.
The pages are MyST Markdown; the student notebook is rendered by myst-nb from its committed
copy, never executed (the docs build needs no kernel, no model and no data).
"""

from __future__ import annotations

project = "TP7 · question answering (course package)"
author = "the TP7 course team"
copyright = "the TP7 course team"

extensions = ["myst_nb"]  # myst_nb includes myst_parser: Markdown pages and notebooks

# Only the pages: the build output, and anything a tool leaves here, are not sources.
exclude_patterns = ["_build", "**.ipynb_checkpoints", "Thumbs.db", ".DS_Store"]
source_suffix = {".md": "myst-nb", ".ipynb": "myst-nb"}

# MyST: `[text](page.md#heading)` resolves against headings of levels 1-3; a link to a page or
# heading that does not exist is a warning, so an error here.
myst_heading_anchors = 3
myst_enable_extensions = ["colon_fence", "deflist"]

# The student notebook is shown as committed: executing it would need the model and the data,
# and its exercises raise NotImplementedError on purpose.
nb_execution_mode = "off"

html_theme = "furo"
html_title = "TP7 · question answering"
html_static_path: list[str] = []
