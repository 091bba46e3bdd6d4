"""A class for the similarity tests and bench: honest students who each wrote six exercises
their own way (hand-written variants, six authors), planted copies among them, and the solution
everywhere else (what the whole class writes alike).

Authors A to F each wrote :data:`VARIANTS`' exercises their own way; A's way is the solution's.
The class (flat folder of ``<id>.ipynb``, made from the solution notebook with
:func:`tests.grading.students.with_region`):

* ``s01``-``s05``: honest, authors A to E; ``s06``: author F, except exercise 12, copied from
  ``s04`` (one exercise copied out of many);
* ``s07``: ``s01`` with its names renamed; ``s08``: ``s02`` with statements reordered and
  comments added; ``s09``: ``s03`` renamed, reordered and commented.
"""

from __future__ import annotations

import ast
import random
import re
from pathlib import Path

from tests.grading import students

SOLUTION = students.REPO / "solutions" / "tp7_qa.ipynb"

VARIANTS: dict[str, list[str]] = {
    "06": [
        """\
token_end_index = len(sequence_ids) - 1
while sequence_ids[token_end_index] != 1:
    token_end_index -= 1
""",
        """\
token_end_index = max(i for i, s in enumerate(sequence_ids) if s == 1)
""",
        """\
for token_end_index in range(len(sequence_ids) - 1, -1, -1):
    if sequence_ids[token_end_index] == 1:
        break
""",
        """\
context_positions = [i for i, sid in enumerate(sequence_ids) if sid == 1]
token_end_index = context_positions[-1]
""",
        """\
token_end_index = len(sequence_ids) - 1 - list(reversed(sequence_ids)).index(1)
""",
        """\
token_end_index = len(sequence_ids)
while True:
    token_end_index = token_end_index - 1
    if sequence_ids[token_end_index] == 1:
        break
""",
    ],
    "07": [
        """\
while token_start_index <= token_end_index and offsets[token_start_index][0] <= start_char:
    token_start_index += 1
start_position = token_start_index - 1
while offsets[token_end_index][1] >= end_char:
    token_end_index -= 1
end_position = token_end_index + 1
""",
        """\
start_position = next(
    i for i in range(token_start_index, token_end_index + 1) if offsets[i][1] > start_char
)
end_position = next(
    i for i in range(token_end_index, token_start_index - 1, -1) if offsets[i][0] < end_char
)
""",
        """\
candidates = [
    i
    for i in range(token_start_index, token_end_index + 1)
    if offsets[i][0] <= start_char < offsets[i][1]
]
start_position = candidates[0]
ends = [
    i
    for i in range(token_start_index, token_end_index + 1)
    if offsets[i][0] < end_char <= offsets[i][1]
]
end_position = ends[-1]
""",
        """\
idx = token_start_index
while idx <= token_end_index:
    if offsets[idx][0] > start_char:
        break
    idx = idx + 1
start_position = idx - 1
idx = token_end_index
while idx >= token_start_index and offsets[idx][1] >= end_char:
    idx = idx - 1
end_position = idx + 1
""",
        """\
start_position, end_position = token_start_index, token_end_index
for i in range(token_start_index, token_end_index + 1):
    s, e = offsets[i]
    if s <= start_char < e:
        start_position = i
    if s < end_char <= e:
        end_position = i
""",
        """\
spans = offsets[token_start_index : token_end_index + 1]
start_position = token_start_index + sum(1 for a, _ in spans if a <= start_char) - 1
end_position = token_end_index - sum(1 for _, b in spans if b >= end_char) + 1
""",
    ],
    "10": [
        """\
context_id = 1 if pad_on_right else 0
token_start_index = 0
while sequence_ids[token_start_index] != context_id:
    token_start_index += 1
token_end_index = len(input_ids) - 1
while sequence_ids[token_end_index] != context_id:
    token_end_index -= 1
""",
        """\
context_id = 1 if pad_on_right else 0
positions = [k for k, s in enumerate(sequence_ids) if s == context_id]
token_start_index, token_end_index = positions[0], positions[-1]
""",
        """\
wanted = 1 if pad_on_right else 0
token_start_index = sequence_ids.index(wanted)
token_end_index = len(sequence_ids) - 1 - sequence_ids[::-1].index(wanted)
""",
        """\
if pad_on_right:
    side = 1
else:
    side = 0
token_start_index = None
for j, sid in enumerate(sequence_ids):
    if sid == side:
        if token_start_index is None:
            token_start_index = j
        token_end_index = j
""",
        """\
ctx = int(pad_on_right)
token_start_index = min(i for i in range(len(input_ids)) if sequence_ids[i] == ctx)
token_end_index = max(i for i in range(len(input_ids)) if sequence_ids[i] == ctx)
""",
        """\
target_sequence = 1 if pad_on_right else 0
bounds = [n for n in range(len(input_ids)) if sequence_ids[n] == target_sequence]
token_start_index = bounds[0]
token_end_index = bounds[len(bounds) - 1]
""",
    ],
    "12": [
        """\
while token_start_index <= token_end_index and offsets[token_start_index][0] <= start_char:
    token_start_index += 1
tokenized_examples["start_positions"].append(token_start_index - 1)
while offsets[token_end_index][1] >= end_char:
    token_end_index -= 1
tokenized_examples["end_positions"].append(token_end_index + 1)
""",
        """\
start_token = None
end_token = None
for idx in range(token_start_index, token_end_index + 1):
    begin, finish = offsets[idx]
    if start_token is None and finish > start_char:
        start_token = idx
    if begin < end_char:
        end_token = idx
tokenized_examples["start_positions"].append(start_token)
tokenized_examples["end_positions"].append(end_token)
""",
        """\
start_positions = tokenized_examples["start_positions"]
end_positions = tokenized_examples["end_positions"]
s = token_start_index
while s <= token_end_index and offsets[s][0] <= start_char:
    s += 1
start_positions.append(s - 1)
e = token_end_index
while offsets[e][1] >= end_char:
    e -= 1
end_positions.append(e + 1)
""",
        '''\
def first_token_after(char_index, lo, hi):
    """Smallest token whose span ends after char_index (binary search)."""
    while lo < hi:
        mid = (lo + hi) // 2
        if offsets[mid][1] <= char_index:
            lo = mid + 1
        else:
            hi = mid
    return lo


def last_token_before(char_index, lo, hi):
    """Largest token whose span starts before char_index."""
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if offsets[mid][0] >= char_index:
            hi = mid - 1
        else:
            lo = mid
    return lo


tokenized_examples["start_positions"].append(
    first_token_after(start_char, token_start_index, token_end_index)
)
tokenized_examples["end_positions"].append(
    last_token_before(end_char, token_start_index, token_end_index)
)
''',
        """\
span = range(token_start_index, token_end_index + 1)
starts = [i for i in span if offsets[i][0] <= start_char]
ends = [i for i in span if offsets[i][1] >= end_char]
tokenized_examples["start_positions"].append(starts[-1])
tokenized_examples["end_positions"].append(ends[0])
""",
        """\
answer_start_token = token_start_index
while answer_start_token < token_end_index and offsets[answer_start_token + 1][0] <= start_char:
    answer_start_token = answer_start_token + 1
answer_end_token = token_end_index
while answer_end_token > token_start_index and offsets[answer_end_token - 1][1] >= end_char:
    answer_end_token = answer_end_token - 1
tokenized_examples["start_positions"].append(answer_start_token)
tokenized_examples["end_positions"].append(answer_end_token)
""",
    ],
    "22": [
        """\
tokenized_examples["offset_mapping"][i] = [
    offset if sequence_ids[k] == context_index else None
    for k, offset in enumerate(tokenized_examples["offset_mapping"][i])
]
""",
        """\
mapping = tokenized_examples["offset_mapping"][i]
for k in range(len(mapping)):
    if sequence_ids[k] != context_index:
        mapping[k] = None
""",
        """\
tokenized_examples["offset_mapping"][i] = [
    (o if s == context_index else None)
    for o, s in zip(tokenized_examples["offset_mapping"][i], sequence_ids)
]
""",
        """\
new_offsets = []
for position, pair in enumerate(tokenized_examples["offset_mapping"][i]):
    keep = sequence_ids[position] == context_index
    new_offsets.append(pair if keep else None)
tokenized_examples["offset_mapping"][i] = new_offsets
""",
        """\
offsets_i = list(tokenized_examples["offset_mapping"][i])
for k, sid in enumerate(sequence_ids):
    if sid != context_index:
        offsets_i[k] = None
tokenized_examples["offset_mapping"][i] = offsets_i
""",
        """\
def keep_context(k, offset):
    return offset if sequence_ids[k] == context_index else None


tokenized_examples["offset_mapping"][i] = list(
    map(keep_context, range(len(sequence_ids)), tokenized_examples["offset_mapping"][i])
)
""",
    ],
    "25": [
        """\
if (
    start_index >= len(offset_mapping)
    or end_index >= len(offset_mapping)
    or offset_mapping[start_index] is None
    or offset_mapping[end_index] is None
):
    continue
""",
        """\
out_of_range = start_index >= len(offset_mapping) or end_index >= len(offset_mapping)
if out_of_range or offset_mapping[start_index] is None or offset_mapping[end_index] is None:
    continue
""",
        """\
n = len(offset_mapping)
if not (start_index < n and end_index < n):
    continue
if None in (offset_mapping[start_index], offset_mapping[end_index]):
    continue
""",
        """\
try:
    if offset_mapping[start_index] is None or offset_mapping[end_index] is None:
        continue
except IndexError:
    continue
""",
        """\
valid = all(
    idx < len(offset_mapping) and offset_mapping[idx] is not None
    for idx in (start_index, end_index)
)
if not valid:
    continue
""",
        """\
if max(start_index, end_index) >= len(offset_mapping):
    continue
if offset_mapping[start_index] is None:
    continue
if offset_mapping[end_index] is None:
    continue
""",
    ],
}

#: the planted pairs of :func:`write_class`, (original, copy)
PLANTED = {("s01", "s07"), ("s02", "s08"), ("s03", "s09"), ("s04", "s06")}

_NAMES = re.compile(r"\b[A-Za-z_][A-Za-z0-9_]*\b")
_KEEP = {
    "sequence_ids", "offsets", "start_char", "end_char", "token_start_index", "token_end_index",
    "start_position", "end_position", "tokenized_examples", "offset_mapping", "start_index",
    "end_index", "context_index", "pad_on_right", "input_ids", "i", "len", "range", "max", "min",
    "sum", "list", "map", "zip", "int", "enumerate", "reversed", "next", "all", "None", "True",
    "False", "if", "else", "for", "in", "while", "and", "or", "not", "is", "break", "continue",
    "def", "return", "try", "except", "IndexError", "append", "index",
}  # fmt: skip


def rename(code: str, seed: int = 0) -> str:
    """Every name of the student's own (not the notebook's, not Python's) given another name;
    strings keep their text."""
    rng = random.Random(seed)
    own = sorted({n for n in _NAMES.findall(_no_strings(code)) if n not in _KEEP})
    names = {name: f"{rng.choice(['my', 'the', 'tmp', 'x'])}_{name[::-1]}" for name in own}
    parts = re.split(r"(\"[^\"]*\"|'[^']*')", code)
    return "".join(
        part if i % 2 else _NAMES.sub(lambda m: names.get(m[0], m[0]), part)
        for i, part in enumerate(parts)
    )


def _no_strings(code: str) -> str:
    return re.sub(r"\"[^\"]*\"|'[^']*'", '""', code)


def reorder(code: str) -> str:
    """Adjacent top-level statements swapped where neither uses what the other assigns."""
    tree = ast.parse(code)
    lines = code.splitlines()
    chunks = [
        "\n".join(lines[node.lineno - 1 : node.end_lineno]) for node in tree.body
    ]  # comments between statements are dropped, as a copier would
    nodes = list(tree.body)
    i = 0
    while i + 1 < len(nodes):
        if _independent(nodes[i], nodes[i + 1]):
            chunks[i], chunks[i + 1] = chunks[i + 1], chunks[i]
            nodes[i], nodes[i + 1] = nodes[i + 1], nodes[i]
            i += 2
        else:
            i += 1
    return "\n".join(chunks) + "\n"


def _independent(first: ast.stmt, second: ast.stmt) -> bool:
    def names(node, kind):
        return {n.id for n in ast.walk(node) if isinstance(n, ast.Name) and isinstance(n.ctx, kind)}

    written = names(first, ast.Store) | names(second, ast.Store)
    read = names(first, ast.Load) | names(second, ast.Load)
    return (
        not (names(first, ast.Store) & (names(second, ast.Load) | names(second, ast.Store)))
        and not (names(second, ast.Store) & names(first, ast.Load))
        and bool(written or read)
    )


def comment(code: str, seed: int = 0) -> str:
    """Comments added above statements and at ends of lines, as a copier disguising code."""
    rng = random.Random(seed)
    words = ["compute the index", "loop over tokens", "edge case", "see lecture", "TODO check"]
    out = []
    for line in code.splitlines():
        indent = line[: len(line) - len(line.lstrip())]
        if line.strip() and rng.random() < 0.4:
            out.append(f"{indent}# {rng.choice(words)}")
        out.append(
            line + (f"  # {rng.choice(words)}" if line.strip() and rng.random() < 0.3 else "")
        )
    return "\n".join(out) + "\n"


def author(index: int) -> dict[str, str]:
    """Author ``index``'s code (0 = A, the solution's way) for each exercise of VARIANTS."""
    return {exercise: variants[index] for exercise, variants in VARIANTS.items()}


def class_code() -> dict[str, dict[str, str]]:
    """The class of the module's docstring: student -> exercise -> code of VARIANTS."""
    code = {f"s0{i + 1}": author(i) for i in range(5)}
    code["s06"] = {**author(5), "12": author(3)["12"]}
    code["s07"] = {ex: rename(text, 7) for ex, text in code["s01"].items()}
    code["s08"] = {ex: comment(reorder(text), 8) for ex, text in code["s02"].items()}
    code["s09"] = {ex: comment(reorder(rename(text, 9)), 9) for ex, text in code["s03"].items()}
    return code


def write_class(folder: Path, code: dict[str, dict[str, str]] | None = None) -> Path:
    """Each student's notebook, ``folder/<id>.ipynb``: the solution with their regions."""
    folder.mkdir(parents=True, exist_ok=True)
    source = students.read(SOLUTION)
    for student, regions in (code or class_code()).items():
        nb = source
        for exercise, text in regions.items():
            nb = students.with_region(nb, exercise, text)
        students.write(nb, folder / f"{student}.ipynb")
    return folder


#: the pieces of each bench student's own line (:func:`random_class`)
_TERMS = ("len(sequence_ids)", "sequence_ids[0]", "abs(-1)", "max(0, 1)", "min(1, 2)", "(2)")
_OPERATORS = ("+", "-", "*", "//", "%")


def random_class(count: int, seed: int = 0) -> dict[str, dict[str, str]]:
    """``count`` students for the bench: each exercise from a random author, renamed and
    commented at random, with a line of the student's own (an expression of their own shape:
    six ways to write an exercise are too few for 200 students to differ, and numbers or names
    of their own would not do, the fingerprints abstract both); every tenth student copies the
    one before, renamed and commented."""
    rng = random.Random(seed)
    code: dict[str, dict[str, str]] = {}
    for n in range(count):
        student = f"b{n:03d}"
        if n % 10 == 9:
            original = code[f"b{n - 1:03d}"]
            code[student] = {ex: comment(rename(text, n), n) for ex, text in original.items()}
            continue
        code[student] = {}
        for exercise, variants in VARIANTS.items():
            text = rename(rng.choice(variants), rng.randrange(10**6))
            own = " ".join(f"{rng.choice(_TERMS)} {rng.choice(_OPERATORS)}" for _ in range(5))
            text = f"assert len(sequence_ids) >= 0, ({own} 1)\n" + text
            code[student][exercise] = comment(text, n) if rng.random() < 0.5 else text
    return code
