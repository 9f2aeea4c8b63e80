"""Per-facility coding profiles on a real generated track: assignment, rewriting, FHIR export."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import polars as pl
import pytest
import simple_icd_10_cm as icd

from synthmass_assets.augmentation.clinical import with_lookalikes
from synthmass_assets.augmentation.coding import assign_coding_profiles, facility_tables
from synthmass_assets.augmentation.coding.icd10cm import ICD10CM_OF_SNOMED
from synthmass_assets.augmentation.coding.profiles import CODING_COLUMNS
from synthmass_assets.augmentation.coding.texts import (
    BRAND_NAMES,
    CONDITION_WORDINGS,
    FREE_TEXT_NAMES,
    LOCAL_LAB_NAMES,
)
from synthmass_assets.augmentation.config import facilities_config_for
from synthmass_assets.augmentation.pipeline import Augmentation, augment
from synthmass_assets.augmentation.protocol import (
    CODING_PROFILE,
    CONDITION_PROFILES,
    MEDICATION_PROFILES,
    OBSERVATION_PROFILES,
    CodingProtocol,
    FacilityProtocol,
    LookalikeProtocol,
    error_protocol_for,
)
from synthmass_assets.fhir_bulk import read_exports, write_bulk_exports
from synthmass_assets.fhir_bulk.roundtrip import roundtrip_differences
from synthmass_assets.population.generator import generate_population
from synthmass_assets.population.params import PopulationParams
from synthmass_assets.population.schema import CLINICAL_TABLES
from synthmass_assets.tracks import EVALUATION, TRAINING

ICD = "http://hl7.org/fhir/sid/icd-10-cm"


@dataclass(frozen=True)
class Coded:
    stage: Augmentation
    tables: dict[str, pl.DataFrame]
    written: dict[str, pl.DataFrame]

    def at(self, table: str, column: str, profile: str) -> pl.DataFrame:
        """Rows of ``table`` (as written) at facilities whose ``column`` is ``profile``."""
        key = "Id" if table == "encounters" else "ENCOUNTER"
        sites = self.stage.encounter_facilities.select(key="encounter_id", facility="facility_id")
        chosen = self.stage.facilities.filter(pl.col(column) == profile)
        return (
            self.written[table]
            .join(sites, left_on=key, right_on="key")
            .filter(pl.col("facility").is_in(chosen.get_column("facility_id").implode()))
        )


def _augment(coding: CodingProtocol) -> tuple[Augmentation, dict[str, pl.DataFrame]]:
    population = generate_population(PopulationParams(population=120, seed=11))
    facilities = FacilityProtocol(coding=coding)
    errors, lookalikes = error_protocol_for("training"), LookalikeProtocol(share=0.1)
    stage = augment(population, facilities, errors, lookalikes, generate_population)
    tables = with_lookalikes(population, stage.lookalike_clinical)
    return stage, {name: tables[name] for name in CLINICAL_TABLES}


@pytest.fixture(scope="module")
def coded() -> Coded:
    stage, tables = _augment(CodingProtocol())
    return Coded(
        stage, tables, facility_tables(tables, stage.encounter_facilities, stage.facilities)
    )


def test_every_profile_occurs_and_the_draw_follows_the_seed(coded: Coded) -> None:
    facilities = coded.stage.facilities
    for column, profiles in (
        ("conditions_coding", CONDITION_PROFILES),
        ("medications_coding", MEDICATION_PROFILES),
        ("observations_coding", OBSERVATION_PROFILES),
    ):
        assert set(facilities.get_column(column)) == set(profiles)
    lacking = facilities.get_column("missing_sections").str.split(",").explode()
    assert {"allergies", "immunizations"} <= set(lacking)
    again = assign_coding_profiles(facilities.drop(CODING_COLUMNS), CodingProtocol())
    assert again.equals(facilities)
    others = [assign_coding_profiles(facilities.drop(CODING_COLUMNS), CodingProtocol(seed=s))
              for s in range(1, 4)]  # fmt: skip
    assert any(not other.equals(facilities) for other in others)


def test_icd_facilities_write_icd10cm_with_the_official_description(coded: Coded) -> None:
    diabetes = coded.at("conditions", "conditions_coding", "icd10cm").filter(
        pl.col("CODE") == "E11.9"
    )
    assert diabetes.height > 0
    assert set(diabetes.get_column("DESCRIPTION")) == {icd.get_description("E11.9")}
    assert (
        not coded.at("conditions", "conditions_coding", "icd10cm")
        .get_column("CODE")
        .str.contains(r"^\d+$")
        .any()
    )  # no SNOMED CT left: unmapped concepts became text only
    reasons = coded.at("encounters", "conditions_coding", "icd10cm").drop_nulls("REASONCODE")
    assert reasons.get_column("REASONCODE").is_in(list(ICD10CM_OF_SNOMED.values())).all()


def test_every_icd_target_is_a_billable_code_of_the_shipped_release() -> None:
    assert all(icd.is_valid_item(code) and icd.is_leaf(code) for code in ICD10CM_OF_SNOMED.values())


def test_text_facilities_write_one_wording_per_concept_and_no_code(coded: Coded) -> None:
    rows = coded.at("conditions", "conditions_coding", "text")
    assert rows.get_column("CODE").is_null().all()
    assert not rows.get_column("DESCRIPTION").str.contains(r"\((disorder|finding)\)").any()
    wordings = {text for variants in CONDITION_WORDINGS.values() for text in variants}
    assert rows.get_column("DESCRIPTION").is_in(list(wordings)).all()
    # Rows keep their order, so each written row sits beside its canonical concept.
    side_by_side = coded.written["conditions"].with_columns(
        SNOMED=coded.tables["conditions"].get_column("CODE")
    )
    text_rows = side_by_side.join(rows.select("ENCOUNTER", "facility").unique(), on="ENCOUNTER")
    per_concept = text_rows.group_by("facility", "SNOMED").agg(pl.col("DESCRIPTION").n_unique())
    assert per_concept.height > 0 and (per_concept.get_column("DESCRIPTION") == 1).all()


@pytest.mark.parametrize(
    ("profile", "names"), [("brand", BRAND_NAMES), ("free_text", FREE_TEXT_NAMES)]
)
def test_brand_and_free_text_drugs_carry_no_code(
    coded: Coded, profile: str, names: dict[str, str]
) -> None:
    rows = coded.at("medications", "medications_coding", profile)
    assert rows.height > 0 and rows.get_column("CODE").is_null().all()
    assert rows.get_column("DESCRIPTION").is_in(list(names.values())).all()


def test_local_labs_have_local_codes_and_vitals_stay_loinc(coded: Coded) -> None:
    rows = coded.at("observations", "observations_coding", "local")
    labs = rows.filter(pl.col("CATEGORY") == "laboratory")
    assert labs.get_column("CODE").str.contains(r"^LAB-\d{4}$").all()
    assert labs.get_column("DESCRIPTION").is_in(list(LOCAL_LAB_NAMES.values())).all()
    per_test = labs.group_by("facility", "DESCRIPTION").agg(pl.col("CODE").n_unique())
    assert (per_test.get_column("CODE") == 1).all()
    vitals = rows.filter(pl.col("CATEGORY") == "vital-signs")
    assert vitals.height > 0 and vitals.get_column("CODE").str.contains(r"^\d+-\d$").all()


def test_missing_sections_drop_their_rows(coded: Coded) -> None:
    facilities = coded.stage.facilities
    for table in ("allergies", "immunizations"):
        lacking = facilities.filter(pl.col("missing_sections").str.contains(table))
        sites = coded.stage.encounter_facilities.filter(
            pl.col("facility_id").is_in(lacking.get_column("facility_id").implode())
        )
        kept = coded.written[table].join(sites, left_on="ENCOUNTER", right_on="encounter_id")
        assert kept.height == 0
        assert coded.written[table].height < coded.tables[table].height


def test_error_log_records_each_records_coding(coded: Coded) -> None:
    log = coded.stage.error_log.filter(pl.col("error_type") == CODING_PROFILE)
    truth = coded.stage.ground_truth.join(coded.stage.facilities, on="facility_id")
    icd_records = truth.filter(pl.col("conditions_coding") == "icd10cm").get_column("record_id")
    logged = log.filter(pl.col("field") == "conditions", pl.col("variant") == "icd10cm")
    assert set(logged.get_column("record_id")) == set(icd_records)
    assert log.get_column("error_index").is_null().all()
    assert set(log.get_column("before")) <= {"snomed", "rxnorm", "loinc", "sent"}


def test_without_coding_profiles_the_tables_are_todays() -> None:
    stage, tables = _augment(CodingProtocol(enabled=False))
    assert stage.facilities.get_column("conditions_coding").to_list() == ["snomed"] * 5
    assert stage.error_log.filter(pl.col("error_type") == CODING_PROFILE).is_empty()
    written = facility_tables(tables, stage.encounter_facilities, stage.facilities)
    assert all(written[name].equals(tables[name]) for name in tables)
    bare = facility_tables(
        tables, stage.encounter_facilities, stage.facilities.drop(CODING_COLUMNS)
    )
    assert all(bare[name].equals(tables[name]) for name in tables)


def test_the_config_turns_profiles_on_in_both_tracks() -> None:
    for track in (EVALUATION, TRAINING):
        config = facilities_config_for(track)()
        protocol = config.to_protocol().coding
        assert protocol.enabled and protocol.conditions == CONDITION_PROFILES
        assert protocol.seed == config.coding_seed
    with pytest.raises(ValueError, match="use one or more of"):
        CodingProtocol(conditions=("snomed", "read_v2"))


def test_fhir_exports_carry_what_each_facility_writes(coded: Coded, tmp_path: Path) -> None:
    stage = coded.stage
    summary = write_bulk_exports(
        stage.facility_records, stage.encounter_facilities, coded.written, tmp_path
    )
    imported = read_exports([path.parent for path in summary.manifests.values()])
    differences = roundtrip_differences(
        stage.facility_records, stage.encounter_facilities, coded.written, imported
    )
    assert differences == []
    read_back = imported.tables["conditions"]
    assert read_back.filter(pl.col("CODE") == "E11.9").height > 0
    assert read_back.filter(pl.col("CODE").is_null()).get_column("DESCRIPTION").is_not_null().all()
    concepts = [
        json.loads(line)["code"]
        for path in tmp_path.glob("*/Condition.ndjson")
        for line in path.read_text().splitlines()
    ]
    icd_codings = [
        c["coding"][0] for c in concepts if "coding" in c and c["coding"][0]["system"] == ICD
    ]
    assert {"system": ICD, "code": "E11.9", "display": icd.get_description("E11.9")} in icd_codings
    text_only = [c for c in concepts if "coding" not in c]
    assert text_only and all(c["text"] for c in text_only)
    local = next(iter(stage.facilities.filter(pl.col("observations_coding") == "local").rows()))[0]
    labs = (tmp_path / local / "Observation.ndjson").read_text()
    assert f'"system":"urn:synthmass:facility:{local}:lab","code":"LAB-' in labs
