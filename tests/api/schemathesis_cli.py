"""``python -m tests.api.schemathesis_cli …``: schemathesis' command line, with one race of Hypothesis worked around.

With ``--workers 2`` schemathesis generates cases in two threads. Describing a strategy's lambda, Hypothesis
iterates ``sys.modules`` (``hypothesis.internal.lambda_sources._mimic_lambda_from_node``) while the other thread may
be importing a module: "RuntimeError: dictionary changed size during iteration", reported as an error of the run,
about one run in a few dozen on a busy machine. The description has no side effect, so it is simply asked again."""

from __future__ import annotations

import hypothesis.internal.lambda_sources as lambda_sources
import schemathesis.cli

_mimic = lambda_sources._mimic_lambda_from_node


def _mimic_again_if_raced(*args, **kwargs):
    for _attempt in range(10):
        try:
            return _mimic(*args, **kwargs)
        except RuntimeError as exc:
            if "changed size during iteration" not in str(exc):
                raise
    return _mimic(*args, **kwargs)


lambda_sources._mimic_lambda_from_node = _mimic_again_if_raced

if __name__ == "__main__":
    schemathesis.cli.schemathesis()
