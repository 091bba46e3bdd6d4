"""Load functions *from the solution notebook itself*, so tests check the code students get
graded against rather than a re-implementation of it."""

from __future__ import annotations

import ast
from pathlib import Path

import nbformat

from .conftest import SOLUTION

PRELUDE = "import collections\nimport numpy as np\nfrom tqdm.auto import tqdm\n"


def notebook_functions(*names: str, notebook: Path = SOLUTION) -> dict:
    """Execute the ``def`` statements named ``names`` found in the notebook's code cells."""
    nb = nbformat.read(notebook, as_version=4)
    wanted = set(names)
    namespace: dict = {}
    exec(PRELUDE, namespace)
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        source = "\n".join(
            line for line in cell.source.splitlines() if not line.startswith(("%", "!"))
        )
        tree = ast.parse(source)
        for node in tree.body:
            if isinstance(node, ast.FunctionDef) and node.name in wanted:
                exec(
                    compile(ast.Module(body=[node], type_ignores=[]), str(notebook), "exec"),
                    namespace,
                )
                wanted.discard(node.name)
    if wanted:
        raise LookupError(f"{notebook} defines no function named {sorted(wanted)}")
    return {name: namespace[name] for name in names}
