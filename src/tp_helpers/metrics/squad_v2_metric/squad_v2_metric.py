"""SQuAD v2.0 scores as an ``evaluate`` module that loads from this folder, offline.

``evaluate.load(folder)`` copies this file into its modules cache and imports it from there, so
the scoring cannot live beside it as a relative import: it is imported from the installed
``tp_helpers`` package. This file only declares the inputs; the scores are computed by
``tp_helpers.metrics.squad_v2.compute``, the project's single implementation.
"""

import datasets
import evaluate

from tp_helpers.metrics.squad_v2 import compute

_CITATION = """\
@inproceedings{rajpurkar-etal-2018-know,
    title = "Know What You Don{'}t Know: Unanswerable Questions for {SQ}u{AD}",
    author = "Rajpurkar, Pranav and Jia, Robin and Liang, Percy",
    booktitle = "Proceedings of ACL 2018 (Volume 2: Short Papers)",
    year = "2018",
    pages = "784--789",
}
"""

_DESCRIPTION = """\
SQuAD v2.0 metric, by the rules of the official evaluation script: exact match and token-level F1
after normalisation, where an unanswerable question's only right answer is the empty string;
questions whose no-answer probability is above a threshold count as abstained; the HasAns / NoAns
breakdown; and the best exact and F1 over all thresholds, with the thresholds that give them.
"""

_KWARGS_DESCRIPTION = """
Args:
    predictions: list of {"id": str, "prediction_text": str, "no_answer_probability": float},
        exactly one per reference (evaluate stores them side by side), matched by id. An empty
        prediction_text means "no answer".
    references: list of {"id": str, "answers": {"text": list[str], "answer_start": list[int]}},
        in the format of the SQuAD v2.0 dataset (empty lists for an unanswerable question).
    no_answer_threshold: a question whose no_answer_probability is above it is abstained on
        (default 1.0: never).
Returns:
    exact, f1, total, HasAns_exact, HasAns_f1, HasAns_total, NoAns_exact, NoAns_f1, NoAns_total,
    best_exact, best_exact_thresh, best_f1, best_f1_thresh (scores between 0 and 100).
Example:
    >>> squad_v2 = evaluate.load(tp_helpers.metrics.squad_v2_metric_path())
    >>> squad_v2.compute(
    ...     predictions=[{"id": "q1", "prediction_text": "", "no_answer_probability": 0.9}],
    ...     references=[{"id": "q1", "answers": {"text": [], "answer_start": []}}],
    ... )["exact"]
    100.0
"""


@evaluate.utils.file_utils.add_start_docstrings(_DESCRIPTION, _KWARGS_DESCRIPTION)
class SquadV2Metric(evaluate.Metric):
    """SQuAD v2.0 scores, delegating to ``tp_helpers.metrics.squad_v2.compute``."""

    def _info(self) -> evaluate.MetricInfo:
        # As the squad_v1 module: "answers" is a dict of two lists, written out as List features.
        # no_answer_probability is stored as float64, not float32 as in evaluate's own squad_v2:
        # best_*_thresh is one of these probabilities, and float32 would hand back 0.3 as
        # 0.30000001192092896, another number than the plain function returns.
        return evaluate.MetricInfo(
            description=_DESCRIPTION,
            citation=_CITATION,
            inputs_description=_KWARGS_DESCRIPTION,
            features=datasets.Features(
                {
                    "predictions": {
                        "id": datasets.Value("string"),
                        "prediction_text": datasets.Value("string"),
                        "no_answer_probability": datasets.Value("float64"),
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

    def _compute(
        self, predictions: list[dict], references: list[dict], no_answer_threshold: float = 1.0
    ) -> dict[str, float]:
        return compute(predictions, references, no_answer_threshold=no_answer_threshold)
