from tests.insight.builders import _fresh_cache  # noqa: F401  (autouse fixture)
