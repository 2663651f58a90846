"""Relevance between two people, from their profiles: shared tags and similar texts, explained.

Kept light on purpose: ``folding`` (tags as compared, the synonym table) loads no library, so
the settings can check an event's synonyms; ``text`` (TF-IDF with French and English stemming)
and ``scores`` (the matrix the matching uses, the reason of a pair, suggestions) load numpy,
scikit-learn and snowballstemmer when they are imported themselves.
"""
