"""Ground truth and the demographic records each facility holds, after errors.

Records are listed in ``record_id`` order (random UUIDs), so neither their order nor their ids
reveal which records belong to the same patient.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from synthmass_assets.augmentation.duplicates import duplicate_log
from synthmass_assets.augmentation.errors.injector import inject_errors
from synthmass_assets.augmentation.identity import IDENTITY_FIELDS
from synthmass_assets.augmentation.protocol import ErrorProtocol

GROUND_TRUTH_COLUMNS = (
    "record_id", "patient_id", "facility_id", "confusable_group", "relation", "role",
    "is_lookalike", "encounter_count", "duplicate_of",
)  # fmt: skip
FACILITY_RECORD_COLUMNS = ("record_id", "facility_id", *IDENTITY_FIELDS)


def build_ground_truth(records: pl.DataFrame, links: pl.DataFrame) -> pl.DataFrame:
    """Record → true patient and facility, with the confusable group of both group members.

    Args:
        records: ``record_id``, ``patient_id``, ``facility_id``, ``encounter_count`` and,
            when some patients are registered twice, ``duplicate_of``.
        links: Look-alike links (``patient_id``, ``anchor_id``, ``confusable_group``,
            ``relation``, ``role``); may be empty.

    Returns:
        `GROUND_TRUTH_COLUMNS`; ``role`` is ``anchor`` for the original patient of a group and
        twin / sibling / parent / child for the look-alike; null outside groups.
        ``duplicate_of`` is the patient's first record at the facility for a second
        registration, null otherwise.
    """
    if "duplicate_of" not in records.columns:
        records = records.with_columns(duplicate_of=pl.lit(None, dtype=pl.String))
    members = pl.concat(
        [
            links.select("patient_id", "confusable_group", "relation", "role"),
            links.select(
                pl.col("anchor_id").alias("patient_id"),
                "confusable_group",
                "relation",
                pl.lit("anchor").alias("role"),
            ),
        ]
    )
    lookalike_ids = links.get_column("patient_id").implode()
    return (
        records.join(members, on="patient_id", how="left")
        .with_columns(is_lookalike=pl.col("patient_id").is_in(lookalike_ids))
        .select(GROUND_TRUTH_COLUMNS)
        .sort("record_id")
    )


def register_records(
    ground_truth: pl.DataFrame,
    identities: pl.DataFrame,
    protocol: ErrorProtocol,
    rng: np.random.Generator,
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Each record's registration: its patient's true identity with the record's own errors.

    A second registration at a facility gets its own errors, like any record, and one more
    error-log row of type `DUPLICATE_REGISTRATION` (``record_id``: first record → new one).

    Args:
        ground_truth: ``record_id``, ``patient_id``, ``facility_id``, ``duplicate_of`` per
            record.
        identities: ``patient_id`` plus `IDENTITY_FIELDS` (from `identity.true_identities`).
        protocol: Errors per record and type weights.
        rng: Generator of the error draws.

    Returns:
        ``facility_records`` (`FACILITY_RECORD_COLUMNS`, in ``record_id`` order) and the
        ``error_log`` (injected errors in injection order, then the duplicate registrations).
    """
    truth = (
        ground_truth.select("record_id", "patient_id", "facility_id")
        .join(identities, on="patient_id", how="left")
        .sort("record_id")
    )
    clean = truth.select("record_id", *IDENTITY_FIELDS)
    registered, error_log = inject_errors(clean, protocol, rng)
    records = registered.with_columns(truth.get_column("facility_id")).select(
        FACILITY_RECORD_COLUMNS
    )
    return records, pl.concat([error_log, duplicate_log(ground_truth, error_log.schema)])
