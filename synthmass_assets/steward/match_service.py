"""The $match service without HTTP: a track's index loaded once, requests answered as FHIR.

The index is the track's facility records linked to their golden records (``record_links``),
matched with the track's stored Splink model; golden Patients are written as ``mpi_fhir``
writes them.
"""

from __future__ import annotations

import logging
import time
from pathlib import Path
from typing import Any

import duckdb
import polars as pl

from synthmass_assets.errors import InputDataError
from synthmass_assets.mpi.fhir import patients
from synthmass_assets.resolution.assets import MODEL_FILE, load_model_file
from synthmass_assets.resources.storage import SynthmassStorage
from synthmass_assets.steward.fhir_match import MatchRequest, patient_record, searchset
from synthmass_assets.steward.match_index import GradeThresholds, IndexParams, MatchIndex

logger = logging.getLogger(__name__)

GOLDEN_FIELDS = (
    "first_name", "middle_name", "last_name", "maiden_name", "suffix", "birthdate", "gender",
    "ssn", "national_id", "address", "city", "state", "zip", "phone",
)  # fmt: skip


def golden_from_records(records: pl.DataFrame, links: pl.DataFrame) -> pl.DataFrame:
    """Golden rows (``golden_id``, ``record_ids`` and the fields of its first record) for an
    index without ``golden_records``."""
    fields = [c for c in GOLDEN_FIELDS if c in records.columns]
    return (
        records.join(links, on="record_id")
        .sort("record_id")
        .group_by("golden_id", maintain_order=True)
        .agg(pl.col("record_id").alias("record_ids"), *(pl.col(c).first() for c in fields))
    )


class MatchService:
    """Answers $match requests against one index.

    Args:
        records: Facility records of the index.
        links: ``record_id`` → ``golden_id``.
        golden: Golden records (``golden_records`` columns; built from the records if None).
        settings: Stored Splink settings.
        thresholds: Probabilities of the match grades.
        params: Blocking limits of the index.
    """

    def __init__(
        self,
        records: pl.DataFrame,
        links: pl.DataFrame,
        settings: dict[str, Any],
        golden: pl.DataFrame | None = None,
        thresholds: GradeThresholds | None = None,
        params: IndexParams | None = None,
    ) -> None:
        started = time.perf_counter()
        self.index = MatchIndex(records, links, settings, params)
        self.golden = golden if golden is not None else golden_from_records(records, links)
        self.facilities = records.select(
            "record_id", pl.col("facility_id").cast(pl.String) if "facility_id" in records.columns
            else pl.lit(None, pl.String).alias("facility_id"),
        )  # fmt: skip
        self.thresholds = thresholds or GradeThresholds()
        self.seconds_to_load = time.perf_counter() - started

    @property
    def size(self) -> int:
        return self.index.size

    def matches(self, request: MatchRequest) -> pl.DataFrame:
        """The golden records that may be the request's Patient, best first, with ``grade``;
        at most ``count``, only ``certain`` ones with ``onlyCertainMatches``."""
        found = self.index.match(patient_record(request.patient))
        found = found.with_columns(grade=self.thresholds.grade(pl.col("match_probability")))
        found = found.filter(pl.col("grade") != "certainly-not")
        if request.only_certain:
            found = found.filter(pl.col("grade") == "certain")
        return found.head(request.count)

    def golden_patients(self, golden_ids: list[str]) -> dict[str, dict[str, Any]]:
        """FHIR Patients of the given golden records, by golden id."""
        rows = self.golden.filter(pl.col("golden_id").is_in(golden_ids))
        members = rows.get_column("record_ids").explode()
        facilities = self.facilities.filter(pl.col("record_id").is_in(members.implode()))
        no_links = pl.DataFrame(schema={"record_id": pl.String, "golden_id": pl.String})
        resources = list(patients(rows, facilities, no_links))
        return dict(zip(rows.get_column("golden_id").to_list(), resources, strict=True))

    def answer(self, request: MatchRequest, base_url: str) -> dict[str, Any]:
        """The searchset Bundle answering ``request``."""
        found = self.matches(request)
        resources = self.golden_patients(found.get_column("golden_id").to_list())
        return searchset(found, resources, base_url)


def load_service(home: Path, track: str, **options: Any) -> MatchService:
    """The service over a resolved track of a SynthMass home: its facility records, record
    links and golden records read once from ``synthmass.duckdb`` (read only), its model from
    ``models/<track>_splink_model``.

    Raises:
        InputDataError: the track is not resolved in that home.
    """
    storage = SynthmassStorage(home=str(home))
    database = storage.database_path
    if not database.is_file():
        raise InputDataError(f"No {database}: materialize the {track} track first")
    with duckdb.connect(str(database), read_only=True) as connection:
        tables = {}
        for name in ("facility_records", "record_links", "golden_records"):
            try:
                tables[name] = connection.sql(f'SELECT * FROM "{track}"."{name}"').pl()
            except duckdb.CatalogException as error:
                raise InputDataError(
                    f"{track}/{name} is not materialized in {home}: resolve the track first"
                ) from error
    settings = load_model_file(storage, track, MODEL_FILE)
    service = MatchService(
        tables["facility_records"], tables["record_links"], settings, tables["golden_records"],
        **options,
    )  # fmt: skip
    logger.info("Loaded %s: %d records in %.1f s", track, service.size, service.seconds_to_load)
    return service
