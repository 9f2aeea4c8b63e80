"""Asset checks of the augmentation stage (rules in `validation`)."""

from __future__ import annotations

from typing import Any

import dagster as dg
import polars as pl

from synthmass_assets.augmentation import validation
from synthmass_assets.augmentation.clinical import unpack_tables
from synthmass_assets.augmentation.config import assignment_config_for, errors_config_for
from synthmass_assets.augmentation.protocol import ErrorProtocol
from synthmass_assets.tracks import TrackSpec


def _result(verdict: validation.Verdict) -> dg.AssetCheckResult:
    return dg.AssetCheckResult(
        passed=verdict.passed, description=verdict.description, metadata=verdict.figures
    )


def _all_encounters(encounters: pl.DataFrame, lookalike_clinical: pl.DataFrame) -> pl.DataFrame:
    extra = unpack_tables(lookalike_clinical).tables["encounters"]
    return pl.concat([encounters.select("Id", "PATIENT"), extra.select("Id", "PATIENT")])


def _owners(
    encounter_facilities: pl.DataFrame, encounters: pl.DataFrame, lookalike_clinical: pl.DataFrame
) -> pl.DataFrame:
    return validation.encounter_owners(
        encounter_facilities, _all_encounters(encounters, lookalike_clinical)
    )


def _run_config(context: dg.AssetCheckExecutionContext, key: dg.AssetKey) -> dict[str, Any]:
    """The config the latest materialization of ``key`` was made with (its metadata), or {}."""
    event = context.instance.get_latest_materialization_event(key)
    entry = (
        event.asset_materialization.metadata.get("protocol")
        if event and event.asset_materialization
        else None
    )
    return dict(entry.value) if entry is not None else {}


def _configured_protocol(
    context: dg.AssetCheckExecutionContext, key: dg.AssetKey, track: TrackSpec
) -> ErrorProtocol:
    """The protocol the latest error_log was made with, else the track default."""
    return errors_config_for(track)(**_run_config(context, key)).to_protocol()


def _configured_duplicate_share(
    context: dg.AssetCheckExecutionContext, key: dg.AssetKey, track: TrackSpec
) -> float:
    """The duplicate share the latest ground_truth was made with, else the track default."""
    return assignment_config_for(track)(**_run_config(context, key)).within_facility_duplicates


def _with_check_context(fn: Any) -> Any:
    """Annotate ``fn``'s context: Dagster compares the annotation by identity, not as text."""
    fn.__annotations__["context"] = dg.AssetCheckExecutionContext
    return fn


def build_augmentation_checks(track: TrackSpec) -> list[dg.AssetChecksDefinition]:
    """The augmentation checks of one synthetic track."""

    def key(name: str) -> dg.AssetKey:
        return dg.AssetKey([track.name, name])

    def ins(*names: str) -> dict[str, dg.AssetIn]:
        return {name: dg.AssetIn(key=key(name)) for name in names}

    @dg.asset_check(
        asset=key("encounter_facilities"),
        name="every_encounter_assigned",
        additional_ins=ins("encounters", "lookalike_clinical"),
    )
    def every_encounter_assigned(
        encounter_facilities: pl.DataFrame,
        encounters: pl.DataFrame,
        lookalike_clinical: pl.DataFrame,
    ) -> dg.AssetCheckResult:
        """Every encounter, of patients and look-alikes, maps to exactly one facility record."""
        everyone = _all_encounters(encounters, lookalike_clinical).get_column("Id")
        return _result(validation.every_encounter_assigned(encounter_facilities, everyone))

    @dg.asset_check(
        asset=key("encounter_facilities"),
        name="no_foreign_clinical_rows",
        additional_ins=ins("ground_truth", "encounters", "lookalike_clinical"),
    )
    def no_foreign_clinical_rows(
        encounter_facilities: pl.DataFrame,
        ground_truth: pl.DataFrame,
        encounters: pl.DataFrame,
        lookalike_clinical: pl.DataFrame,
    ) -> dg.AssetCheckResult:
        """No record holds clinical rows (encounters) of another patient."""
        owners = _owners(encounter_facilities, encounters, lookalike_clinical)
        return _result(validation.no_foreign_clinical_rows(ground_truth, owners))

    @dg.asset_check(
        asset=key("encounter_facilities"),
        name="records_per_patient_match_facilities_visited",
        additional_ins=ins("ground_truth", "encounters", "lookalike_clinical"),
    )
    def records_match_visits(
        ground_truth: pl.DataFrame,
        encounter_facilities: pl.DataFrame,
        encounters: pl.DataFrame,
        lookalike_clinical: pl.DataFrame,
    ) -> dg.AssetCheckResult:
        """Each patient has one record per facility visited, none elsewhere, plus the declared
        duplicate registrations."""
        owners = _owners(encounter_facilities, encounters, lookalike_clinical)
        return _result(validation.records_match_visits(ground_truth, owners))

    @dg.asset_check(
        asset=key("facility_records"),
        name="ground_truth_covers_every_record",
        additional_ins=ins("ground_truth"),
    )
    def covers_every_record(
        ground_truth: pl.DataFrame, facility_records: pl.DataFrame
    ) -> dg.AssetCheckResult:
        """Every facility record has exactly one ground-truth row, and vice versa."""
        record_ids = facility_records.get_column("record_id")
        return _result(validation.ground_truth_covers_records(ground_truth, record_ids))

    def errors_match_protocol(
        context: dg.AssetCheckExecutionContext,
        error_log: pl.DataFrame,
        facility_records: pl.DataFrame,
    ) -> dg.AssetCheckResult:
        """Errors per record and error-type shares are within tolerance of the run's config."""
        protocol = _configured_protocol(context, key("error_log"), track)
        record_ids = facility_records.get_column("record_id")
        return _result(validation.errors_match_protocol(error_log, record_ids, protocol))

    def duplicates_match_protocol(
        context: dg.AssetCheckExecutionContext,
        ground_truth: pl.DataFrame,
        encounter_facilities: pl.DataFrame,
    ) -> dg.AssetCheckResult:
        """Each duplicate registration is a later record of the same patient at the same
        facility, and their share of patients is the configured one."""
        share = _configured_duplicate_share(context, key("ground_truth"), track)
        return _result(
            validation.duplicates_are_consistent(ground_truth, encounter_facilities, share)
        )

    @dg.asset_check(
        asset=key("error_log"),
        name="duplicate_registrations_logged",
        additional_ins=ins("ground_truth"),
    )
    def duplicates_logged(
        error_log: pl.DataFrame, ground_truth: pl.DataFrame
    ) -> dg.AssetCheckResult:
        """The error log has one duplicate_registration row per duplicate, first → new id."""
        return _result(validation.duplicates_logged(error_log, ground_truth))

    errors_check = dg.asset_check(
        asset=key("error_log"), name="errors_match_protocol", additional_ins=ins("facility_records")
    )(_with_check_context(errors_match_protocol))
    duplicates_check = dg.asset_check(
        asset=key("ground_truth"),
        name="duplicate_registrations_match_protocol",
        additional_ins=ins("encounter_facilities"),
    )(_with_check_context(duplicates_match_protocol))

    return [
        every_encounter_assigned,
        no_foreign_clinical_rows,
        records_match_visits,
        duplicates_check,
        covers_every_record,
        errors_check,
        duplicates_logged,
    ]
