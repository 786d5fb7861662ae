"""``--set KEY=VALUE`` parameter overrides shared by the benchmark scripts."""

import ast


def parse_overrides(items, defaults=None):
    """``defaults`` updated with ``KEY=VALUE`` items (Python literals, else str)."""
    params = dict(defaults or {})
    for item in items:
        key, value = item.split("=", 1)
        try:
            params[key] = ast.literal_eval(value)
        except (ValueError, SyntaxError):
            params[key] = value
    return params
