"""The offline dataset of the second lab (TP8): SQuAD v2.0 rows, some questions without an answer.

SQuAD v2.0 added to SQuAD's questions about 53,000 that the paragraph does not answer. Crowd
workers wrote them looking at the paragraph: a question about its subject, often close to one the
paragraph does answer, and often with a plausible answer of the right type in the text ("When was
the cathedral *rebuilt*?" beside the date it was *built*). Such a question has an empty
``answers`` list, and a reader must learn to abstain rather than point at the distractor.

This module makes the same kind of rows from the biographies of :mod:`tp_helpers.datagen` (same
people, sentences, fillers and questions, so that the model's job is TP7's plus abstaining):

* an *answerable* row is a biography that holds the asked fact and one other fact, as in TP7;
* an *unanswerable* row asks about the biography's own person and an existing relation, but the
  biography holds two other facts and no sentence of the asked relation. When the asked fact has
  a twin of the same answer type (born in a city / died in a city, birth year / death date,
  profession / subject studied), that twin is one of the two facts two times in three: "Where did
  Ada Novak die?" beside "Ada Novak was born in Lyon.". Instrument and award have no twin: the
  biography names none ("Which award did ... receive?" of someone who received none).

The twin is shown just as often in answerable biographies, so its presence says nothing about
whether the question has an answer: only reading the relation does.

One row in three is unanswerable, chosen at random inside each block of three rows, so that every
slice ``split[:3k]`` holds exactly ``k`` of them. One third is SQuAD v2.0's own share in its
training split (43,498 of 130,319 rows; the validation split, 5,945 of 11,873, is half): most
training rows still teach span finding, and a few dozen steps see enough of both kinds.

The v1 rows of :mod:`tp_helpers.datagen` are not touched (this module only imports from it), so
TP7's dataset and its reference values stay byte-identical.
"""

from __future__ import annotations

import hashlib
import random
import re
from collections.abc import Iterator

from .datagen import FACTS, FILLERS, SEED, Fact, Person, _fact_sentence, _lengths, _person

#: bump whenever the generated rows change: the cache folder name includes it
GENERATOR_VERSION = 1
SPLIT_SIZES = {"train": 2000, "validation": 400}
#: one row of each block of this many rows is unanswerable
BLOCK = 3

#: the fact whose answer has the same type as the asked one: the plausible distractor
TWINS = {
    "birth_city": "death_city",
    "death_city": "birth_city",
    "birth_year": "death_date",
    "death_date": "birth_year",
    "profession": "subject",
    "subject": "profession",
}
#: how often a biography shows the asked fact's twin (answerable and unanswerable alike)
TWIN_SHARE = 2 / 3

#: words that only a sentence of the relation writes (no filler uses them): an unanswerable
#: row's context holds none of its relation's words
RELATION_WORDS = {
    "birth_city": ("born",),
    "birth_year": ("born",),
    "death_city": ("died",),
    "death_date": ("died",),
    "profession": ("worked as", "by profession"),
    "subject": ("studied", "at university"),
    "instrument": ("played",),
    "award": ("received", "won"),
}

_FACTS_BY_KEY = {fact.key: fact for fact in FACTS}


def _family(key: str) -> str:
    """``birth_city`` -> ``birth``: facts of one family share a verb ("born in Lyon / in 1850")."""
    return key.split("_")[0]


def question_fact(question: str) -> str:
    """The fact key a generated question asks about ("Where was Ada Novak born?" -> birth_city).

    For the tests and for error analysis: the rows keep SQuAD's five columns and no more.
    """
    for fact in FACTS:
        for template in fact.questions:
            head, tail = (re.escape(part) for part in template.split("{name}"))
            if re.fullmatch(rf"{head}\S+ \S+{tail}", question.strip()):
                return fact.key
    raise ValueError(f"not a generated question: {question!r}")


def _other_facts(asked: Fact, rng: random.Random, count: int) -> list[Fact]:
    """``count`` facts to show beside (or instead of) the asked one, none of its family.

    The asked fact's twin comes first with probability :data:`TWIN_SHARE`; the rest are drawn
    from the remaining families.
    """
    twin = TWINS.get(asked.key)
    chosen = [_FACTS_BY_KEY[twin]] if twin and rng.random() < TWIN_SHARE else []
    family = _family(asked.key)
    pool = [f for f in FACTS if _family(f.key) != family and f.key != twin]
    return chosen + rng.sample(pool, count - len(chosen))


def _biography(
    person: Person, answers: dict, asked: Fact, answerable: bool, rng: random.Random
) -> tuple[str, int, str]:
    """Context, the answer's character offset and the wide span (``-1``, ``""`` if unanswerable).

    Fillers first (their number drawn as in TP7, so contexts overflow windows as there), then the
    fact sentences inserted at random places. Every biography holds two fact sentences, so their
    count says nothing about the answer either.
    """
    n_fillers = _lengths(rng)
    sentences = [f.format(**person.pronouns) for f in rng.sample(FILLERS, min(n_fillers, 24))]
    while len(sentences) < n_fillers:  # very long contexts reuse fillers, in another order
        sentences.append(rng.choice(FILLERS).format(**person.pronouns))
    for fact in _other_facts(asked, rng, 1 if answerable else 2):
        sentence = _fact_sentence(fact, person, answers, rng)[0]
        sentences.insert(rng.randint(0, len(sentences)), sentence)
    if not answerable:
        return " ".join(sentences), -1, ""
    asked_at = rng.randint(0, len(sentences))
    asked_sentence, wide, offset_in_sentence = _fact_sentence(asked, person, answers, rng)
    sentences.insert(asked_at, asked_sentence)
    prefix = " ".join(sentences[:asked_at])
    start = len(prefix) + (1 if prefix else 0) + offset_in_sentence
    return " ".join(sentences), start, wide


def _row_id(split: str, index: int) -> str:
    return hashlib.sha1(f"tp8-offline-v2/{split}/{index}".encode()).hexdigest()[:24]


def _answers(split: str, context: str, start: int, answer: str, wide: str) -> dict:
    """SQuAD's ``answers``: empty lists when unanswerable; three golds in validation, as in v1."""
    if start < 0:
        return {"text": [], "answer_start": []}
    if split == "train":
        return {"text": [answer], "answer_start": [start]}
    wide_start = start - wide.rfind(answer)
    return {"text": [answer, answer, wide], "answer_start": [start, start, wide_start]}


def generate_rows_v2(split: str, size: int, seed: int = SEED) -> Iterator[dict]:
    """Yield ``size`` SQuAD v2.0-format rows of ``split``, the same rows for the same arguments."""
    rng = random.Random(f"{seed}/squad_v2/{split}")
    unanswerable_at = -1
    for index in range(size):
        if index % BLOCK == 0:
            unanswerable_at = index + rng.randrange(BLOCK)
        answerable = index != unanswerable_at
        person, answers = _person(rng)
        asked = rng.choice(FACTS)
        context, start, wide = _biography(person, answers, asked, answerable, rng)
        question = rng.choice(asked.questions).format(name=person.name)
        if rng.random() < 0.04:
            question = " " * rng.randint(1, 4) + question  # SQuAD has a few of these
        yield {
            "id": _row_id(split, index),
            "title": person.name.replace(" ", "_"),
            "context": context,
            "question": question,
            "answers": _answers(split, context, start, answers[asked.key][0], wide),
        }


def generate_v2(seed: int = SEED, sizes: dict[str, int] | None = None) -> dict[str, list[dict]]:
    """All splits of the v2 set, as lists of rows (``sizes`` defaults to :data:`SPLIT_SIZES`)."""
    sizes = SPLIT_SIZES if sizes is None else sizes
    return {split: list(generate_rows_v2(split, n, seed)) for split, n in sizes.items()}
