"""The look-alikes' own Synthea tables, stored as one long table beside the population.

Look-alikes are new people with their own charts, but the population assets stay exactly what
the population stage produced. Their eight tables are therefore stacked into one frame (the
``lookalike_clinical`` asset): a ``source_table`` column names the Synthea table of each row,
the other columns are the union of the Synthea columns (``START``/``STOP`` widened to
timestamps), and the ``patients`` rows also carry the link to the anchor patient.
`unpack_tables` restores the exact Synthea tables; `with_lookalikes` appends them to the
population so every record's clinical rows are found by one join on ``encounter_id``.
"""

from __future__ import annotations

import polars as pl

from synthmass_assets.augmentation.confusables import LINK_COLUMNS, Lookalikes
from synthmass_assets.population.schema import POPULATION_TABLES, SYNTHEA_SCHEMAS, conform

SOURCE = "source_table"
LINK_EXTRAS = tuple(c for c in LINK_COLUMNS if c != "patient_id")


def pack_tables(lookalikes: Lookalikes) -> pl.DataFrame:
    """Stack the look-alikes' tables (and their links, on the ``patients`` rows) into one frame."""
    frames = []
    for table in POPULATION_TABLES:
        frame = lookalikes.tables.get(table)
        if frame is None:
            frame = pl.DataFrame(schema=SYNTHEA_SCHEMAS[table])
        if table == "patients":
            links = lookalikes.links.select(pl.col("patient_id").alias("Id"), *LINK_EXTRAS)
            frame = frame.join(links, on="Id", how="left", maintain_order="left")
        frames.append(frame.with_columns(pl.lit(table).alias(SOURCE)))
    return pl.concat(frames, how="diagonal_relaxed").select(SOURCE, pl.exclude(SOURCE))


def unpack_tables(packed: pl.DataFrame) -> Lookalikes:
    """The exact Synthea tables and the links back from a frame made by `pack_tables`."""
    tables = {
        table: conform(table, packed.filter(pl.col(SOURCE) == table)) for table in POPULATION_TABLES
    }
    links = packed.filter(pl.col(SOURCE) == "patients").select(
        pl.col("Id").alias("patient_id"), *LINK_EXTRAS
    )
    return Lookalikes(tables, links)


def with_lookalikes(
    population: dict[str, pl.DataFrame], packed: pl.DataFrame
) -> dict[str, pl.DataFrame]:
    """The population's tables with the look-alikes' rows appended (same Synthea schema)."""
    extra = unpack_tables(packed).tables
    return {
        table: pl.concat([conform(table, frame), extra[table]])
        for table, frame in population.items()
    }
