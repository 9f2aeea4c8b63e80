"""Multi-assets that compute their outputs together but may be materialized in part."""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from typing import Any

import dagster as dg


def selected_outputs_only(fn: Callable[..., Iterator[dg.Output[Any]]]) -> Callable[..., Any]:
    """Wrap a multi-asset body (taking ``context`` first) to yield only the selected outputs.

    The body still computes everything (its outputs come from one draw), but a selection such
    as ``*evaluation/scored_pairs`` that needs only some of them no longer fails.
    """

    @functools.wraps(fn)
    def wrapper(context, *args: Any, **kwargs: Any) -> Iterator[Any]:  # noqa: ANN001
        for output in fn(context, *args, **kwargs):
            if output.output_name in context.selected_output_names:
                yield output

    return wrapper
