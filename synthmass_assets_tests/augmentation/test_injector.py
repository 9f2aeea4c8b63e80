"""The error plan and injector: counts, type shares, ordering, reproducibility, true identity."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import polars as pl
import pytest

from synthmass_assets.augmentation.errors.injector import (
    ERROR_LOG_COLUMNS,
    draw_error_plan,
    inject_errors,
)
from synthmass_assets.augmentation.identity import IDENTITY_FIELDS, true_identities
from synthmass_assets.augmentation.protocol import ERROR_TYPES, error_protocol_for
from synthmass_assets.augmentation.validation import errors_match_protocol
from synthmass_assets.population.ingest import read_synthea_csv


@pytest.fixture
def identities(sample: Path) -> pl.DataFrame:
    patients = read_synthea_csv(sample)["patients"]
    return true_identities(patients, pl.DataFrame(), np.random.default_rng(0))


def _records(identities: pl.DataFrame, copies: int) -> pl.DataFrame:
    """``copies`` registrations of each patient, with distinct record ids."""
    frame = pl.concat([identities] * copies).with_row_index("n")
    return frame.select(pl.format("r{}", "n").alias("record_id"), *IDENTITY_FIELDS)


def test_identities_have_middle_names_and_local_phones(identities: pl.DataFrame) -> None:
    assert identities.get_column("middle_name").null_count() < identities.height / 2
    assert (
        identities.get_column("phone")
        .str.contains(r"^(339|351|413|508|617|774|781|857|978)-[2-9]\d{2}-\d{4}$")
        .all()
    )
    assert (identities.get_column("middle_name") != identities.get_column("first_name")).all()


@pytest.mark.parametrize("track", ["evaluation", "training"])
def test_plan_matches_protocol_and_puts_missing_last(track: str) -> None:
    protocol = error_protocol_for(track)
    plan = draw_error_plan(20_000, protocol, np.random.default_rng(1))
    counts = np.bincount(plan.record)
    assert counts.min() == protocol.min_errors and counts.max() == protocol.max_errors
    shares = np.bincount(plan.error_type, minlength=len(ERROR_TYPES)) / len(plan.error_type)
    assert np.allclose(shares, protocol.type_probabilities(), atol=0.01)
    missing = plan.error_type == ERROR_TYPES.index("missing")
    later = np.append(plan.record[1:] == plan.record[:-1], False)
    assert not (missing[:-1] & ~missing[1:] & later[:-1]).any()


@pytest.mark.parametrize("track", ["evaluation", "training"])
def test_injected_errors_match_protocol(identities: pl.DataFrame, track: str) -> None:
    records = _records(identities, 40)
    protocol = error_protocol_for(track)
    registered, log = inject_errors(records, protocol, np.random.default_rng(2))
    assert registered.columns == records.columns and registered.height == records.height
    assert tuple(log.columns) == ERROR_LOG_COLUMNS
    assert errors_match_protocol(log, records.get_column("record_id"), protocol).passed
    assert (log.get_column("before").ne_missing(log.get_column("after"))).all()
    # The last logged value of each field is the registered value (composite changes aside).
    composite = log.filter(pl.col("field").str.contains(r"\+")).get_column("record_id")
    last = (
        log.filter(~pl.col("record_id").is_in(composite.implode()))
        .group_by("record_id", "field")
        .agg(pl.col("after").last())
        .head(300)
    )
    long = registered.with_columns(pl.col("birthdate").cast(pl.String)).unpivot(
        index="record_id", variable_name="field", value_name="value"
    )
    replayed = last.join(long, on=["record_id", "field"])
    assert replayed.height == last.height
    assert replayed.get_column("after").eq_missing(replayed.get_column("value")).all()


def test_errors_are_reproducible_and_independent_of_identity_seed(identities: pl.DataFrame) -> None:
    records = _records(identities, 3)
    protocol = error_protocol_for("training")
    first = inject_errors(records, protocol, np.random.default_rng(5))
    again = inject_errors(records, protocol, np.random.default_rng(5))
    other = inject_errors(records, protocol, np.random.default_rng(6))
    assert first[0].equals(again[0]) and first[1].equals(again[1])
    assert not first[1].equals(other[1])
