"""Schemathesis hooks for ``test_api_schemathesis``: strings with lone surrogates.

Schemathesis generates only strings that can be written as UTF-8, but JSON can carry a
lone UTF-16 surrogate as an escape (``"\\ud800"``), and such text once turned a Dutch
4xx into a 500 (issue 21). This hook puts lone surrogates into the string keys and
values of a share of the generated JSON object bodies (the strategy decides which, so
shrinking still works); ``json.dumps`` sends them as escapes. Bodies that are lists of
postcodes are left alone: schemathesis would still count a postcode with a surrogate as
valid data and expect a 2xx. The object bodies (quiz answers, Bereikcheck) may answer a
Dutch 422 to valid data anyway (``CONFIG`` in the test).
"""

from __future__ import annotations

import schemathesis
from hypothesis import strategies as st

SURROGATES = st.sampled_from(["\ud800", "\udbff", "\udc00", "\udcff", "\udfff"])


def _inject(value, mark: str):
    if isinstance(value, str):
        return value + mark if len(value) % 2 else mark + value
    if isinstance(value, list):
        return [_inject(v, mark) for v in value]
    if isinstance(value, dict):
        return {_inject(k, mark): _inject(v, mark) for k, v in value.items()}
    return value


def _json_body(context) -> bool:
    operation = getattr(context, "operation", None)
    body = getattr(operation, "body", None) or []
    return any("json" in getattr(b, "media_type", "") for b in body)


@schemathesis.hook
def before_generate_body(context, strategy):
    if not _json_body(context):  # a form or file part must be encodable as UTF-8
        return strategy
    return st.tuples(strategy, st.booleans(), SURROGATES).map(
        lambda t: _inject(t[0], t[2]) if t[1] and isinstance(t[0], dict) else t[0])
