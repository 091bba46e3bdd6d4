"""SQuAD v1.1 exact match and F1 as an ``evaluate`` module that loads from this folder, offline.

``evaluate.load(folder)`` copies this file into its modules cache and imports it from there, so
the scoring cannot live beside it as a relative import: it is imported from the installed
``tp_helpers`` package instead. This file only declares the inputs; the scores are computed by
``tp_helpers.metrics.squad.compute``, the project's single implementation.
"""

import datasets
import evaluate

from tp_helpers.metrics.squad import compute

_CITATION = """\
@inproceedings{rajpurkar-etal-2016-squad,
    title = "{SQ}u{AD}: 100,000+ Questions for Machine Comprehension of Text",
    author = "Rajpurkar, Pranav and Zhang, Jian and Lopyrev, Konstantin and Liang, Percy",
    booktitle = "Proceedings of EMNLP 2016",
    year = "2016",
    pages = "2383--2392",
}
"""

_DESCRIPTION = """\
SQuAD v1.1 metric: exact match and token-level F1 between predicted and gold answers, after the
official normalisation (lower case, no punctuation, no articles a/an/the, single spaces). Each
prediction keeps its best score over the gold answers of its question; both numbers are means
over the questions (the references), in percent. A question without a prediction scores 0.
"""

_KWARGS_DESCRIPTION = """
Args:
    predictions: list of {"id": str, "prediction_text": str}, exactly one per reference
        (evaluate stores them side by side), matched to the references by id.
    references: list of {"id": str, "answers": {"text": list[str], "answer_start": list[int]}},
        one per question, in the format of the SQuAD dataset.
Returns:
    {"exact_match": float, "f1": float}, both between 0 and 100.
Example:
    >>> squad = evaluate.load(tp_helpers.metrics.squad_metric_path())
    >>> squad.compute(
    ...     predictions=[{"id": "q1", "prediction_text": "the Denver Broncos team"}],
    ...     references=[{"id": "q1", "answers": {"text": ["Denver Broncos"], "answer_start": [0]}}],
    ... )
    {'exact_match': 0.0, 'f1': 80.0}
"""


@evaluate.utils.file_utils.add_start_docstrings(_DESCRIPTION, _KWARGS_DESCRIPTION)
class SquadV1(evaluate.Metric):
    """SQuAD v1.1 exact match and F1, delegating to ``tp_helpers.metrics.squad.compute``."""

    def _info(self) -> evaluate.MetricInfo:
        # The features tell evaluate how to store and hand back the inputs. "answers" is a dict
        # of lists, {"text": [...], "answer_start": [...]}, as in the SQuAD dataset. In datasets 5,
        # Sequence({"text": ..., "answer_start": ...}) (the spelling of the official squad module)
        # builds exactly this dict of List features; writing the Lists out says so plainly.
        # List({...}) would be a different type: a list of {"text", "answer_start"} dicts.
        return evaluate.MetricInfo(
            description=_DESCRIPTION,
            citation=_CITATION,
            inputs_description=_KWARGS_DESCRIPTION,
            features=datasets.Features(
                {
                    "predictions": {
                        "id": datasets.Value("string"),
                        "prediction_text": datasets.Value("string"),
                    },
                    "references": {
                        "id": datasets.Value("string"),
                        "answers": {
                            "text": datasets.List(datasets.Value("string")),
                            "answer_start": datasets.List(datasets.Value("int32")),
                        },
                    },
                }
            ),
            reference_urls=["https://rajpurkar.github.io/SQuAD-explorer/"],
        )

    def _compute(self, predictions: list[dict], references: list[dict]) -> dict[str, float]:
        return compute(predictions=predictions, references=references)
