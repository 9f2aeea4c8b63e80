"""``<track>/sources`` of a synthetic track: the registration protocol it declares."""

import dagster as dg
import polars as pl

from synthmass_assets.metadata import frame_metadata
from synthmass_assets.resolution.config import SourcesConfig
from synthmass_assets.resolution.sources import declared_sources


def build_sources_asset(track: str) -> dg.AssetsDefinition:
    """The sources asset of one synthetic track."""

    @dg.asset(
        key=dg.AssetKey([track, "sources"]),
        ins={"facility_records": dg.AssetIn(key=dg.AssetKey([track, "facility_records"]))},
        group_name="augmentation",
        kinds={"polars", "duckdb"},
        code_version="1",
    )
    def sources(config: SourcesConfig, facility_records: pl.DataFrame) -> dg.Output[pl.DataFrame]:
        """One row per facility: its records, whether it is declared duplicate-free (the
        one-record-per-facility rules apply only there), and the track's link type."""
        frame = declared_sources(
            facility_records, config.duplicate_free_sources, config.link_type_name()
        )
        return dg.Output(frame, metadata=frame_metadata(frame))

    return sources
