"""A corpus of broken and hostile submissions of the tiny lab (see corpus.py)."""
