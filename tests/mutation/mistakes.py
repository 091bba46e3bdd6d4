"""How a plausible mistake is described, and the mistakes that both labs' shared code invites.

A lab's mutants are a table: for each exercise, the mistakes tried in its region
(``tests/mutation/mutants.py`` for TP7, ``mutants_tp8.py`` for TP8). A mistake is written once
and tried wherever the same code stands: TP8 loads its data, cuts its windows, labels its [CLS]
rows and sets its training arguments with TP7's code, so their mistakes are listed here.

``old`` and ``new`` are written as if the exercise's START marker stood at the left margin
(the harness takes the region's own indentation off before it looks for ``old``): one mistake
then serves a region nested in a function as well as one at the top of a cell.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Mistake:
    """One wrong version of a solution: ``old``, found once in the region, becomes ``new``."""

    name: str
    old: str
    new: str
    survives: str = ""  # why no check can catch it (an equivalent mutant), if so


@dataclass(frozen=True)
class Mutant(Mistake):
    """A mistake tried in one exercise's region."""

    exercise: str = field(kw_only=True)


def mutants(table: Mapping[str, Sequence[Mistake]]) -> tuple[Mutant, ...]:
    """A lab's mutants, from the mistakes tried in each exercise, in the table's order."""
    return tuple(
        Mutant(m.name, m.old, m.new, m.survives, exercise=exercise)
        for exercise, mistakes in table.items()
        for m in mistakes
    )


# Exercise 01 of both labs: the two splits of the profile.
SPLITS_SWAPPED = Mistake(
    "splits swapped",
    "[profile.train_split, profile.validation_split]",
    "[profile.validation_split, profile.train_split]",
)
WHOLE_TRAINING_SPLIT = Mistake("whole training split", "profile.train_split,", '"train",')

# The tokenizer call that cuts examples into windows (TP7's 03, 04, 08 and 20; TP8's 03).
NO_OVERFLOW = Mistake(
    "no overflow", "return_overflowing_tokens=True", "return_overflowing_tokens=False"
)
NO_OFFSETS = Mistake("no offsets", "return_offsets_mapping=True", "return_offsets_mapping=False")
STRIDE_0 = Mistake("stride 0", "stride=doc_stride", "stride=0")
NO_PADDING = Mistake("no padding", 'padding="max_length",', "")
TRUNCATION_SIDE = Mistake(
    "wrong truncation side",
    '"only_second" if pad_on_right else "only_first"',
    '"only_first" if pad_on_right else "only_second"',
)
PAD_ON_RIGHT_IGNORED = Mistake(
    "pad_on_right ignored",
    'examples["question" if pad_on_right else "context"],\n'
    '    examples["context" if pad_on_right else "question"],',
    'examples["question"],\n    examples["context"],',
)

# A row without an answer labelled with [CLS] (TP7's 09; TP8's 04 and 05): the loop must move on.
NO_CONTINUE = Mistake("no continue", "cls_index)\n    continue", "cls_index)")

# The training arguments (TP7's 15, TP8's 07).
TYPED_IN_LEARNING_RATE = Mistake(
    "typed-in learning rate", "learning_rate=profile.learning_rate", "learning_rate=2e-5"
)
NO_WARM_UP = Mistake("no warm-up", "warmup_steps=profile.warmup_steps,", "")
NO_STEP_CAP = Mistake("no step cap", "max_steps=profile.max_steps,", "")
