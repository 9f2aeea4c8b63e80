"""The contract between the pair classifier and the mpi stage that consumes it.

The classifier stage provides a :class:`ClassifierBinding` (`binding.promoted_binding`): which
asset holds the promoted model, how to load a :data:`BatchScorer` from storage, and which
training-track records the model never saw (for calibrating the fusion on held-out pairs). It
lives here, on the classifier's side, so that imports run downstream only: mpi imports it.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import polars as pl

if TYPE_CHECKING:
    from synthmass_assets.resources.storage import SynthmassStorage

BatchScorer = Callable[[pl.DataFrame, pl.DataFrame], pl.DataFrame]
"""``scorer(pairs, summaries)``: ``pairs`` has ``record_id_l`` and ``record_id_r``, ``summaries``
is the track's ``clinical_summaries``; returns the same pairs with ``probability`` and ``logit``
(the classifier's, at its 50% training match rate). A scorer is called once per batch and should
keep per-record encodings between calls."""


@dataclass(frozen=True)
class ClassifierBinding:
    """What ``pair_predictions`` and the fusion calibration need from the classifier stage.

    Attributes:
        model_key: Asset key path of the promoted model (a dependency of ``pair_predictions``).
        load_scorer: Builds a scorer from the promoted model in storage.
        held_out_records: Training-track record ids the model was not fitted on.
        summaries_asset: Per-track asset with one row per record that has clinical history.
    """

    model_key: Sequence[str]
    load_scorer: Callable[[SynthmassStorage], BatchScorer]
    held_out_records: Callable[[SynthmassStorage], Collection[str]]
    summaries_asset: str = "clinical_summaries"
