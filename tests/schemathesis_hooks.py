"""Schemathesis hooks for ``test_api_schemathesis``: strings with lone surrogates.

Schemathesis generates only strings that can be written as UTF-8, but JSON can carry a
lone UTF-16 surrogate as an escape (``"\\ud800"``), and such text once turned a Dutch
4xx into a 500 (issue 21). This hook puts a lone surrogate into one string key or value
of a share of the generated JSON object bodies (the strategy decides which, so
shrinking still works); ``json.dumps`` sends them as escapes. Bodies that are lists of
postcodes are left alone: schemathesis would still count a postcode with a surrogate as
valid data and expect a 2xx. The object bodies (quiz answers, Bereikcheck) may answer a
Dutch 422 to valid data anyway (``CONFIG`` in the test).
"""

from __future__ import annotations

import schemathesis
from hypothesis import strategies as st

SURROGATES = st.sampled_from(["\ud800", "\udbff", "\udc00", "\udcff", "\udfff"])


def _inject(value, mark: str, target: int):
    """``value`` with ``mark`` added to its ``target``-th string (keys and values counted
    depth-first, modulo their number): one field at a time, so the rest of the body stays
    valid and the surrogate reaches the code that reads that field."""
    count = _count_strings(value)
    if not count:
        return value
    position = [target % count]

    def walk(node):
        if isinstance(node, str):
            hit = position[0] == 0
            position[0] -= 1
            return (node + mark if len(node) % 2 else mark + node) if hit else node
        if isinstance(node, list):
            return [walk(v) for v in node]
        if isinstance(node, dict):
            return {walk(k): walk(v) for k, v in node.items()}
        return node

    return walk(value)


def _count_strings(node) -> int:
    if isinstance(node, str):
        return 1
    if isinstance(node, list):
        return sum(_count_strings(v) for v in node)
    if isinstance(node, dict):
        return sum(1 + _count_strings(v) for k, v in node.items())
    return 0


def _json_body(context) -> bool:
    operation = getattr(context, "operation", None)
    body = getattr(operation, "body", None) or []
    return any("json" in getattr(b, "media_type", "") for b in body)


@schemathesis.hook
def before_generate_body(context, strategy):
    if not _json_body(context):  # a form or file part must be encodable as UTF-8
        return strategy
    return st.tuples(strategy, st.booleans(), SURROGATES, st.integers(0, 1000)).map(
        lambda t: _inject(t[0], t[2], t[3]) if t[1] and isinstance(t[0], dict) else t[0])
