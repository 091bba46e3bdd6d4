"""The offline profile's dataset: short biographies in SQuAD v1.1 format, generated from a seed.

Why generate data? The real SQuAD lives on the Hugging Face Hub, which air-gapped graders and CI
cannot reach. This generator writes rows with the same schema and the same difficulties as SQuAD
for this lab:

* contexts of very different lengths, some far longer than 384 tokens, so that both the offline and
  the full window sizes split them into several overlapping features;
* the asked fact placed anywhere in the biography, so that some answers sit only in a later window,
  some in the overlap of two windows, and many windows hold no answer at all (CLS labels);
* a few questions with leading whitespace, as in SQuAD;
* several gold answers per validation question (the same span twice, plus a longer variant);
* a few rows placed at fixed indices whose answer is the very last token of the context, or the
  last context token of a window at the offline (128/32) or the full (384/128) window sizes: the
  case where a label loop that is not bounded by the context walks on into ``[SEP]`` and padding.

It must also be *learnable* in a few dozen CPU steps: each question names the person and a
relation ("Where was ... born?") that appears, worded in one of a few ways, next to its answer.

Only the standard library is used here. Placing an answer at a window's edge needs token
positions, so :func:`generate` takes the tokenizer as an argument (any Hugging Face fast tokenizer
with the BERT-uncased vocabulary); :mod:`tp_helpers.data` passes the offline model's one and writes
the rows to parquet.
"""

from __future__ import annotations

import hashlib
import random
from collections.abc import Iterator
from dataclasses import dataclass

#: bump whenever the generated rows change: the cache folder name includes it
GENERATOR_VERSION = 2
SEED = 20221107
SPLIT_SIZES = {"train": 2000, "validation": 400}

WOMEN = (
    "Ada Alma Aurelia Beatrix Camille Clara Delphine Elif Elsa Esme Flora Greta Hana Ida Ines "
    "Juno Lena Lotte Mara Mina Nora Paula Pia Rosa Selma Stella Ulla Vera Wanda Yara Zora"
).split()
MEN = (
    "Anton Basil Bruno Cecil Dario Edgar Emil Felix Gideon Hugo Ivo Jonas Kasimir Leon Magnus "
    "Milan Nils Oskar Otto Quentin Rufus Silas Tobias Viktor"
).split()
LAST_NAMES = (
    "Abernathy Albrecht Banerjee Bellweather Castellan Corrigan Dalgaard Desrosiers Ellingham "
    "Falkner Fenwick Galloway Haldane Hartigan Ishikawa Jablonski Kessler Kowalczyk Lindqvist "
    "Marchetti Moreau Nakamura Novak Okafor Oyelaran Pemberton Quist Radcliffe Rasmussen "
    "Sandoval Scholz Tamura Thornbury Underhill Valdivia Vasquez Whitcombe Yilmaz Zeller"
).split()
CITIES = (
    "Aberdeen Antwerp Bergen Bologna Bordeaux Bratislava Bruges Cadiz Cork Dresden Dubrovnik "
    "Edinburgh Florence Galway Genoa Ghent Gothenburg Graz Hamburg Heidelberg Kraków Leipzig Lille "
    "Linz Lisbon Ljubljana Lyon Malmö Marseille Munich Nantes Naples Oporto Oslo Palermo Porto "
    "Prague Riga Rotterdam Salzburg Seville Tallinn Trieste Turin Uppsala Utrecht Valencia "
    "Verona Vienna Vilnius Warsaw Zagreb Zurich"
).split()
PROFESSIONS = (
    "astronomer",
    "bookbinder",
    "botanist",
    "cartographer",
    "chemist",
    "clockmaker",
    "engraver",
    "glassblower",
    "geologist",
    "lighthouse keeper",
    "mathematician",
    "organ builder",
    "photographer",
    "printer",
    "sculptor",
    "shipwright",
    "surveyor",
    "translator",
    "veterinarian",
    "violin maker",
)
SUBJECTS = (
    "architecture",
    "chemistry",
    "classics",
    "economics",
    "geography",
    "history",
    "law",
    "linguistics",
    "medicine",
    "music",
    "philosophy",
    "physics",
)
INSTRUMENTS = ("accordion", "cello", "clarinet", "flute", "harp", "lute", "oboe", "piano", "viola")
AWARDS = (
    "Amberley Medal",
    "Corvin Prize",
    "Golden Quill",
    "Halvorsen Award",
    "Meridian Prize",
    "Silver Compass",
    "Varga Medal",
)
MONTHS = (
    "January February March April May June July August September October November December".split()
)

#: sentences that carry no fact the questions ask about; they make contexts long
FILLERS = (
    "{He} kept a detailed diary for most of {his} adult life.",
    "Friends described {him} as patient, curious and quietly stubborn.",
    "{His} letters show a lasting interest in old maps and weather records.",
    "Several of {his} notebooks are now kept in a regional archive.",
    "{He} rarely gave interviews and disliked being photographed.",
    "Neighbours remembered long walks along the river every Sunday morning.",
    "A small circle of students visited {him} regularly for advice.",
    "{He} often said that careful work mattered more than fast work.",
    "During the long winters {he} repaired furniture for the village school.",
    "{His} workshop was known for its tidy shelves and handwritten labels.",
    "Some of {his} early sketches were lost in a flood.",
    "{He} corresponded with colleagues across the continent for decades.",
    "Local newspapers printed a short portrait of {him} on several occasions.",
    "{He} was fond of gardening and grew unusual varieties of tomatoes.",
    "Travel was difficult at the time, and most journeys took several days.",
    "{He} believed that every apprentice should learn to draw by hand.",
    "A biography published much later relied heavily on family papers.",
    "{His} handwriting was famously hard to read.",
    "The family home still stands and is open to visitors in summer.",
    "{He} spoke three languages and read a fourth with a dictionary.",
    "Colleagues praised the clarity of {his} written reports.",
    "{He} organised a modest reading club that met on Thursday evenings.",
    "Many of the tools {he} used are displayed in a small museum.",
    "{He} took part in the founding of a local learned society.",
)


@dataclass(frozen=True)
class Person:
    name: str
    pronouns: dict[str, str]
    facts: dict[str, str]


@dataclass(frozen=True)
class Fact:
    """One thing a question can ask about: how to say it, how to ask it, which span answers it."""

    key: str
    sentences: tuple[str, ...]  # templates; {answer} marks the answer, {wide} the longer variant
    questions: tuple[str, ...]


FACTS = (
    Fact(
        "birth_city",
        ("{name} was born {wide}.", "{name} was born {wide}, where {his} family ran a small shop."),
        ("Where was {name} born?", "In which city was {name} born?"),
    ),
    Fact(
        "birth_year",
        ("{name} was born {wide}.", "{name} was born {wide}, the youngest of four children."),
        ("In what year was {name} born?", "When was {name} born?"),
    ),
    Fact(
        "profession",
        ("{name} worked as {wide}.", "By profession, {name} was {wide}."),
        ("What did {name} work as?", "What was the profession of {name}?"),
    ),
    Fact(
        "subject",
        ("{name} {wide} at university.", "At university, {name} {wide}."),
        ("What did {name} study?", "Which subject did {name} study?"),
    ),
    Fact(
        "instrument",
        ("{name} played the {answer}.", "In the evenings, {name} played the {answer} for friends."),
        ("Which instrument did {name} play?", "What instrument did {name} play?"),
    ),
    Fact(
        "award",
        ("{name} received the {answer}.", "In {his} later years, {name} won the {answer}."),
        ("Which award did {name} receive?", "What prize did {name} win?"),
    ),
    Fact(
        "death_city",
        ("{name} died {wide}.", "{name} died {wide} at the age of {death_age}."),
        ("Where did {name} die?", "In which city did {name} die?"),
    ),
    Fact(
        "death_date",
        ("{name} died {wide}.", "After a short illness, {name} died {wide}."),
        ("When did {name} die?", "On what date did {name} die?"),
    ),
)


SHE = {"He": "She", "he": "she", "His": "Her", "his": "her", "him": "her"}
HE = {"He": "He", "he": "he", "His": "His", "his": "his", "him": "him"}


def _article(word: str) -> str:
    return ("an " if word[0] in "aeiou" else "a ") + word


def _person(rng: random.Random) -> tuple[Person, dict[str, tuple[str, str]]]:
    """A random person and, per fact, ``(answer, wide answer)``; the wide one adds a preposition."""
    first, pronouns = (rng.choice(WOMEN), SHE) if rng.random() < 0.5 else (rng.choice(MEN), HE)
    name = f"{first} {rng.choice(LAST_NAMES)}"
    birth_year = rng.randint(1780, 1940)
    death_age = rng.randint(38, 94)
    birth_city, death_city = rng.sample(CITIES, 2)
    profession = rng.choice(PROFESSIONS)
    subject = rng.choice(SUBJECTS)
    death_date = f"{rng.choice(MONTHS)} {rng.randint(1, 28)}, {birth_year + death_age}"
    answers = {
        "birth_city": (birth_city, f"in {birth_city}"),
        "birth_year": (str(birth_year), f"in {birth_year}"),
        "profession": (profession, _article(profession)),
        "subject": (subject, f"studied {subject}"),
        "instrument": (rng.choice(INSTRUMENTS),) * 2,
        "award": (rng.choice(AWARDS),) * 2,
        "death_city": (death_city, f"in {death_city}"),
        "death_date": (death_date, f"on {death_date}"),
    }
    facts = {"birth_year": str(birth_year), "death_age": str(death_age)}
    return Person(name, pronouns, facts), answers


def _fact_sentence(
    fact: Fact, person: Person, answers: dict, rng: random.Random
) -> tuple[str, str, int]:
    """Render a fact sentence; return it with the answer text and the answer's offset in it."""
    template = rng.choice(fact.sentences)
    answer, wide = answers[fact.key]
    # The "wide" variant is written in the sentence when the template asks for it, so that the
    # longer gold answer of validation rows ("in Lyon") is a real span of the context.
    marker = "{wide}" if "{wide}" in template else "{answer}"
    text_in_sentence = wide if marker == "{wide}" else answer
    before, after = template.split(marker)
    fill = {"name": person.name, **person.facts, **person.pronouns}
    before, after = before.format(**fill), after.format(**fill)
    sentence = before + text_in_sentence + after
    offset = len(before) + text_in_sentence.rfind(answer) if marker == "{wide}" else len(before)
    if sentence[:1].islower():
        sentence = sentence[0].upper() + sentence[1:]
    return sentence, text_in_sentence, offset


def _context(
    person: Person,
    answers: dict,
    asked: Fact,
    n_fillers: int,
    rng: random.Random,
    *,
    last: bool = False,
) -> tuple[str, int, str]:
    """Biography text, the character offset of the answer, and the wide span found in it.

    ``last`` puts the asked sentence at the end and drops its final full stop, so that the answer
    is the last word of the context (the asked fact must use a template ending with the answer).
    """
    sentences: list[str] = []
    for filler in rng.sample(FILLERS, min(n_fillers, len(FILLERS))):
        sentences.append(filler.format(**person.pronouns))
    while len(sentences) < n_fillers:  # very long contexts reuse fillers, in another order
        sentences.append(rng.choice(FILLERS).format(**person.pronouns))
    # Facts sharing the asked fact's verb ("born in Lyon" / "born in 1850") are left out, so
    # that the relation named by the question points at one sentence only.
    family = asked.key.split("_")[0]
    other_facts = [f for f in FACTS if f.key.split("_")[0] != family]
    shown = rng.sample(other_facts, 1)
    for fact in shown:
        sentences.insert(
            rng.randint(0, len(sentences)), _fact_sentence(fact, person, answers, rng)[0]
        )
    asked_at = len(sentences) if last else rng.randint(0, len(sentences))
    asked_sentence, wide_text, offset_in_sentence = _fact_sentence(asked, person, answers, rng)
    if last:
        asked_sentence = asked_sentence.removesuffix(".")
    sentences.insert(asked_at, asked_sentence)
    prefix = " ".join(sentences[:asked_at])
    start = len(prefix) + (1 if prefix else 0) + offset_in_sentence
    return " ".join(sentences), start, wide_text


def _row_id(split: str, index: int) -> str:
    return hashlib.sha1(f"tp7-offline/{split}/{index}".encode()).hexdigest()[:24]


def _lengths(rng: random.Random) -> int:
    """Number of filler sentences: most contexts short, one in seven long or very long."""
    draw = rng.random()
    if draw < 0.86:
        return rng.randint(0, 4)
    if draw < 0.95:
        return rng.randint(14, 22)
    return rng.randint(30, 36)


def _row(
    split: str,
    index: int,
    person: Person,
    question: str,
    context: str,
    start: int,
    answer: str,
    wide: str,
) -> dict:
    texts, starts = [answer], [start]
    if split != "train":
        wide_start = start - wide.rfind(answer)
        texts, starts = [answer, answer, wide], [start, start, wide_start]
    return {
        "id": _row_id(split, index),
        "title": person.name.replace(" ", "_"),
        "context": context,
        "question": question,
        "answers": {"text": texts, "answer_start": starts},
    }


def generate_rows(split: str, size: int, seed: int = SEED, tokenizer=None) -> Iterator[dict]:
    """Yield ``size`` SQuAD-format rows of ``split``, the same rows for the same arguments.

    With a ``tokenizer``, the rows at the indices of :data:`EDGE_ROWS` are replaced by rows whose
    answer ends the context or a window (see :func:`edge_row`).
    """
    rng = random.Random(f"{seed}/{split}")
    edges = EDGE_ROWS.get(split, {}) if tokenizer is not None else {}
    for index in range(size):
        person, answers = _person(rng)
        asked = rng.choice(FACTS)
        context, start, wide = _context(person, answers, asked, _lengths(rng), rng)
        answer = answers[asked.key][0]
        question = rng.choice(asked.questions).format(name=person.name)
        if rng.random() < 0.04:
            question = " " * rng.randint(1, 4) + question  # SQuAD has a few of these
        if index in edges:
            # a separate generator: the other rows stay the same whatever the edge rows need
            edge_rng = random.Random(f"{seed}/{split}/edge/{index}")
            yield edge_row(split, index, edges[index], tokenizer, edge_rng)
            continue
        yield _row(split, index, person, question, context, start, answer, wide)


#: facts whose answer is a single word, written last by their first template ("... born in Lyon.")
_LAST_WORD_FACTS = tuple(f for f in FACTS if f.key in {"birth_city", "death_city"})

#: split -> {row index: edge case}; ``None`` = the answer ends the context, ``(max_length,
#: doc_stride)`` = the answer is the last context token of a window (not the last one) at those
#: window sizes. The indices are among the first rows, inside the offline profile's slices
#: (a test says so); train row 2 is the first long row, the notebook's ``long_example``.
EDGE_ROWS: dict[str, dict[int, tuple[int, int] | None]] = {
    "train": {1: None, 2: (128, 32), 5: (384, 128)},
    "validation": {3: None, 4: (128, 32), 6: (384, 128)},
}


def edge_row(split: str, index: int, windows: tuple[int, int] | None, tokenizer, rng) -> dict:
    """A row whose one-token answer ends the context (``windows`` None) or a window.

    Found by a seeded search: draw biographies until the tokenizer puts the answer exactly on the
    last context token of a window that is not the last one. Deterministic for a given tokenizer.
    """
    for _ in range(20_000):
        person, answers = _person(rng)
        asked = rng.choice(_LAST_WORD_FACTS)
        answer = answers[asked.key][0]
        question = rng.choice(asked.questions).format(name=person.name)
        if windows is None:
            fact = Fact(asked.key, asked.sentences[:1], asked.questions)
            context, start, wide = _context(
                person, answers, fact, rng.randint(1, 4), rng, last=True
            )
            if context.endswith(answer):
                return _row(split, index, person, question, context, start, answer, wide)
            continue
        max_length, doc_stride = windows
        n_fillers = rng.randint(6, 14) if max_length < 256 else rng.randint(26, 40)
        context, start, wide = _context(person, answers, asked, n_fillers, rng)
        if _answer_ends_a_window(
            tokenizer, question, context, start, answer, max_length, doc_stride
        ):
            return _row(split, index, person, question, context, start, answer, wide)
    raise RuntimeError(f"no {split} row found with an answer at the end of a {windows} window")


def _answer_ends_a_window(tokenizer, question, context, start, answer, max_length, doc_stride):
    """Is the answer exactly the last context token of a window (not the last window)?

    Worked out from the context's own tokens: a feature holds ``[CLS] question [SEP] window
    [SEP]``, so each window has ``max_length - len(question) - 3`` context tokens, and each
    window starts ``doc_stride`` tokens before the previous one ends.
    """
    question_ids = tokenizer(question.lstrip(), add_special_tokens=False)["input_ids"]
    tokens = tokenizer(context, add_special_tokens=False, return_offsets_mapping=True)
    offsets = [tuple(o) for o in tokens["offset_mapping"]]
    if (start, start + len(answer)) not in offsets:
        return False
    position = offsets.index((start, start + len(answer)))
    per_window = max_length - len(question_ids) - 3
    window_start = 0
    while window_start + per_window < len(offsets):  # a window that is not the last one
        if window_start + per_window - 1 == position:
            return True
        window_start += per_window - doc_stride
    return False


def generate(seed: int = SEED, sizes: dict[str, int] | None = None, tokenizer=None) -> dict:
    """All splits, as lists of rows (edge rows included when a ``tokenizer`` is given)."""
    sizes = SPLIT_SIZES if sizes is None else sizes
    return {split: list(generate_rows(split, n, seed, tokenizer)) for split, n in sizes.items()}
