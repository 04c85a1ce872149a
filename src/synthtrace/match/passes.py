"""The case passes as builtins lists them, importing the heavy modules (numba, scipy) only when
they run: builtins is imported by every analysis worker, which never needs them."""

from __future__ import annotations

from synthtrace.case import Case


def match_hash_lists(case: Case) -> str | None:
    from synthtrace.match.matching import matching_pass

    return matching_pass(case)


def cluster_near_duplicates(case: Case) -> str | None:
    from synthtrace.match.clustering import clustering_pass

    return clustering_pass(case)
