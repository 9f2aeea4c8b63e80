"""``<track>/sources`` of a synthetic track: the registration protocol it declares."""

import dagster as dg
import polars as pl
from pydantic import Field

from synthmass_assets.metadata import frame_metadata
from synthmass_assets.resolution.custom_assets import LinkType
from synthmass_assets.resolution.sources import declared_sources


class SourcesConfig(dg.Config):
    """What the synthetic facilities are declared to be, as a user declares their sources."""

    link_type: LinkType = Field(
        default=LinkType.link_and_dedupe,
        description="Pairs compared: within facilities (dedupe_only), across them (link_only) "
        "or both (link_and_dedupe).",
    )
    duplicate_free_sources: list[str] = Field(
        default_factory=list,
        description="Facilities that register each patient once ('*': all). The protocol "
        "registers some patients twice at one facility (within_facility_duplicates), so none "
        "is by default; with that share at 0, '*' turns the one-record-per-facility rules on.",
    )


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
        link_type = LinkType(config.link_type).value
        frame = declared_sources(facility_records, config.duplicate_free_sources, link_type)
        return dg.Output(frame, metadata=frame_metadata(frame))

    return sources
