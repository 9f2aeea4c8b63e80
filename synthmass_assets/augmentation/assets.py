"""Augmentation assets: facilities, look-alikes, assignment, registrations with errors, truth.

Look-alikes are new people with their own charts. The population assets stay exactly as the
population stage made them; the look-alikes' Synthea tables live in ``lookalike_clinical``
(one long table, see `clinical.with_lookalikes`). Every record's clinical rows are therefore
``encounter_facilities`` joined on ``encounter_id`` to the population tables plus the
look-alikes' tables.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import dagster as dg
import polars as pl

from synthmass_assets.augmentation import reporting
from synthmass_assets.augmentation.coding.profiles import CODING_COLUMNS
from synthmass_assets.augmentation.config import (
    AssignmentConfig,
    ErrorsConfig,
    FacilitiesConfig,
    LookalikesConfig,
    assignment_config_for,
    errors_config_for,
    facilities_config_for,
    lookalikes_config_for,
)
from synthmass_assets.augmentation.pipeline import (
    assignment_step,
    facilities_step,
    lookalikes_step,
    registration_step,
)
from synthmass_assets.augmentation.protocol import CODING_PROFILE, DUPLICATE_REGISTRATION
from synthmass_assets.metadata import frame_metadata, markdown_table
from synthmass_assets.plots import (
    error_type_shares_chart,
    facilities_per_patient_histogram,
    figure_markdown,
)
from synthmass_assets.population.generator import generate_population
from synthmass_assets.subsetting import selected_outputs_only
from synthmass_assets.tracks import TrackSpec

GROUP = "augmentation"
KINDS = {"polars", "duckdb"}
WITH_LOOKALIKES = " Covers the original patients and the look-alikes."


def _with_config(fn: Callable[..., Any], config_class: type) -> Callable[..., Any]:
    """Give ``fn`` the track's config class, so the Launchpad shows the track's defaults."""
    fn.__annotations__["config"] = config_class
    return fn


def build_augmentation_assets(track: TrackSpec) -> list[dg.AssetsDefinition]:
    """The augmentation assets of one synthetic track."""

    def key(name: str) -> dg.AssetKey:
        return dg.AssetKey([track.name, name])

    def ins(*names: str) -> dict[str, dg.AssetIn]:
        return {name: dg.AssetIn(key=key(name)) for name in names}

    def out(name: str, description: str) -> dg.AssetOut:
        return dg.AssetOut(
            key=key(name),
            description=description,
            kinds=KINDS,
            code_version="2",
            is_required=False,
        )

    def facilities(patients: pl.DataFrame, config: FacilitiesConfig) -> dg.MaterializeResult:
        """Simulated hospitals, health centres and practices in real towns of the state, each
        with its coding profiles: conditions_coding (snomed, icd10cm, text),
        medications_coding (rxnorm, brand, free_text), observations_coding (loinc, local) and
        the missing_sections it does not send (comma-joined)."""
        frame = facilities_step(patients, config.to_protocol())
        profiles = frame.select("facility_id", "name", *CODING_COLUMNS[:-1])
        return dg.MaterializeResult(
            value=frame,
            metadata=frame_metadata(frame, coding_profiles=markdown_table(profiles, limit=50)),
        )

    def lookalike_clinical(
        patients: pl.DataFrame, encounters: pl.DataFrame, config: LookalikesConfig
    ) -> dg.MaterializeResult:
        """Confusable look-alikes (twins, parent–child Jr./Sr., siblings) with their own charts.

        One long table of the look-alikes' eight Synthea tables: ``source_table`` names the
        table of each row; ``patients`` rows also carry ``anchor_id``, ``confusable_group``,
        ``relation`` and ``role``. ``clinical.with_lookalikes`` appends them to the population
        tables, so every record's clinical rows are one join away from encounter_facilities.
        """
        frame = lookalikes_step(patients, encounters, config.to_protocol(), generate_population)
        people = frame.filter(pl.col("source_table") == "patients")
        relations = people.group_by("relation", "role").agg(people=pl.len()).sort("relation")
        rows = frame.group_by("source_table").agg(rows=pl.len()).sort("source_table")
        return dg.MaterializeResult(
            value=frame,
            metadata=frame_metadata(
                frame,
                lookalikes=people.height,
                relations=markdown_table(relations, limit=10),
                rows_per_table=markdown_table(rows, limit=10),
            ),
        )

    def facility_assignment(
        context,  # noqa: ANN001 — Dagster injects the context; a string annotation would not resolve
        encounters: pl.DataFrame,
        lookalike_clinical: pl.DataFrame,
        facilities: pl.DataFrame,
        config: AssignmentConfig,
    ) -> Iterator[dg.Output[pl.DataFrame]]:
        """Which facility saw each encounter, and the records each facility opened."""
        protocol = config.to_protocol(facilities.height)
        mapping, truth = assignment_step(encounters, lookalike_clinical, facilities, protocol)
        histogram = reporting.facilities_per_patient(truth)
        per_facility = reporting.records_per_facility(truth, facilities)
        share = round(reporting.primary_share(truth), 4)
        yield dg.Output(
            mapping,
            output_name="encounter_facilities",
            metadata=frame_metadata(mapping, primary_share=share),
        )
        yield dg.Output(
            truth,
            output_name="ground_truth",
            metadata=frame_metadata(
                truth,
                protocol=dg.MetadataValue.json(config.model_dump()),
                patients=truth.get_column("patient_id").n_unique(),
                duplicate_registrations=int(truth.get_column("duplicate_of").is_not_null().sum()),
                duplicate_share=round(reporting.duplicate_share(truth), 4),
                duplicates_per_facility=markdown_table(
                    reporting.duplicate_registrations(truth), limit=50
                ),
                facilities_per_patient=markdown_table(histogram, limit=20),
                facilities_per_patient_chart=figure_markdown(
                    facilities_per_patient_histogram(
                        truth.group_by("patient_id").agg(pl.col("facility_id").n_unique())[
                            "facility_id"
                        ]
                    ),
                    alt="Facilities per patient",
                ),
                records_per_facility=markdown_table(per_facility, limit=50),
            ),
        )

    def registrations(
        context,  # noqa: ANN001 — Dagster injects the context; a string annotation would not resolve
        ground_truth: pl.DataFrame,
        patients: pl.DataFrame,
        lookalike_clinical: pl.DataFrame,
        facilities: pl.DataFrame,
        config: ErrorsConfig,
    ) -> Iterator[dg.Output[pl.DataFrame]]:
        """Each facility's registration of each patient, with that registration's own errors."""
        protocol = config.to_protocol()
        records, log = registration_step(
            ground_truth, patients, lookalike_clinical, protocol, facilities
        )
        per_facility = records.group_by("facility_id").agg(records=pl.len()).sort("facility_id")
        shares = reporting.error_type_table(log, protocol)
        yield dg.Output(
            records,
            output_name="facility_records",
            metadata=frame_metadata(
                records, records_per_facility=markdown_table(per_facility, limit=50)
            ),
        )
        yield dg.Output(
            log,
            output_name="error_log",
            metadata=frame_metadata(
                log,
                protocol=dg.MetadataValue.json(config.model_dump()),
                duplicate_registrations=log.filter(
                    pl.col("error_type") == DUPLICATE_REGISTRATION
                ).height,
                coding_profile_rows=log.filter(pl.col("error_type") == CODING_PROFILE).height,
                error_types=markdown_table(shares, limit=10),
                error_type_chart=figure_markdown(
                    error_type_shares_chart(
                        shares["error_type"], shares["share"], shares["configured"]
                    ),
                    alt="Error-type shares, achieved and configured",
                ),
                errors_per_record=markdown_table(
                    reporting.errors_per_record(log, records.get_column("record_id")), limit=30
                ),
                variants=markdown_table(reporting.variant_table(log), limit=60),
                before_after=markdown_table(reporting.before_after_examples(log), limit=60),
            ),
        )

    return [
        dg.asset(
            key=key("facilities"),
            ins=ins("patients"),
            group_name=GROUP,
            kinds=KINDS,
            code_version="2",
        )(_with_config(facilities, facilities_config_for(track))),
        dg.asset(
            key=key("lookalike_clinical"),
            ins=ins("patients", "encounters"),
            group_name=GROUP,
            kinds=KINDS,
            code_version="1",
        )(_with_config(lookalike_clinical, lookalikes_config_for(track))),
        dg.multi_asset(
            name=f"{track.name}_facility_assignment",
            ins=ins("encounters", "lookalike_clinical", "facilities"),
            outs={
                "encounter_facilities": out(
                    "encounter_facilities",
                    "Encounter → facility and record, in runs of consecutive visits."
                    + WITH_LOOKALIKES,
                ),
                "ground_truth": out(
                    "ground_truth",
                    "Record → true patient and facility; confusable group, relation and role; "
                    "duplicate_of for a patient's second registration at a facility."
                    + WITH_LOOKALIKES,
                ),
            },
            group_name=GROUP,
            can_subset=True,
        )(_with_config(selected_outputs_only(facility_assignment), assignment_config_for(track))),
        dg.multi_asset(
            name=f"{track.name}_registrations",
            ins=ins("ground_truth", "patients", "lookalike_clinical", "facilities"),
            outs={
                "facility_records": out(
                    "facility_records",
                    "One demographic record per patient × facility as registered, with errors; "
                    "a patient registered twice at a facility has two there.",
                ),
                "error_log": out(
                    "error_log",
                    "One row per injected error: record, field, before, after, type; one "
                    "duplicate_registration row (record_id: first → new) per second record; "
                    "one coding_profile row per record and section its facility codes its own "
                    "way (variant: the profile) or does not send (variant: missing).",
                ),
            },
            group_name=GROUP,
            can_subset=True,
        )(_with_config(selected_outputs_only(registrations), errors_config_for(track))),
    ]
