"""Benchmark of the FHIR Bulk Data I/O: resources per second each way, peak memory, round trip.

Generates the evaluation track's population and augmentation (not timed), writes every
facility's records and histories (in the facility's own coding) as a Bulk Data export
(timed), reads all exports back (timed), compares the tables, and prints one JSON object as
the last stdout line:
``export_resources_per_s``, ``import_resources_per_s``, ``peak_rss_mb`` (whole process,
generation included), ``resources``, ``roundtrip_identical`` and what differs, if anything.

Usage: python benchmarks/fhir_io.py [--patients 2500] [--out DIR]
"""

from __future__ import annotations

import argparse
import json
import logging
import resource
import sys
import tempfile
import time
from pathlib import Path

from augmentation import augment_track  # the sibling benchmark: same track protocols

from synthmass_assets.augmentation.clinical import with_lookalikes
from synthmass_assets.augmentation.coding import facility_tables
from synthmass_assets.fhir_bulk.export import write_bulk_exports
from synthmass_assets.fhir_bulk.reader import read_exports
from synthmass_assets.fhir_bulk.roundtrip import roundtrip_differences
from synthmass_assets.population.generator import generate_population
from synthmass_assets.population.params import PopulationParams
from synthmass_assets.population.schema import CLINICAL_TABLES
from synthmass_assets.tracks import EVALUATION


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--patients", type=int, default=EVALUATION.population)
    parser.add_argument("--out", type=Path, help="export folder (default: a tmp dir, removed)")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    track = EVALUATION

    population = generate_population(PopulationParams(population=args.patients, seed=track.seed))
    stage = augment_track(population, track)
    everyone = facility_tables(
        with_lookalikes(population, stage.lookalike_clinical),
        stage.encounter_facilities,
        stage.facilities,
    )
    tables = {name: everyone[name] for name in CLINICAL_TABLES}
    del population, everyone

    with tempfile.TemporaryDirectory(prefix="synthmass_fhir_") as tmp:
        out = args.out or Path(tmp)
        started = time.perf_counter()
        summary = write_bulk_exports(
            stage.facility_records, stage.encounter_facilities, tables, out
        )
        export_seconds = time.perf_counter() - started

        started = time.perf_counter()
        imported = read_exports([path.parent for path in summary.manifests.values()])
        import_seconds = time.perf_counter() - started
        megabytes = sum(p.stat().st_size for p in out.rglob("*.ndjson")) / 2**20

    written, read = sum(summary.resources.values()), sum(imported.resources.values())
    differences = roundtrip_differences(
        stage.facility_records, stage.encounter_facilities, tables, imported
    )
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        json.dumps(
            {
                "patients": args.patients,
                "facilities": len(summary.manifests),
                "resources": written,
                "resources_per_type": summary.resources,
                "ndjson_megabytes": round(megabytes, 1),
                "export_seconds": round(export_seconds, 3),
                "import_seconds": round(import_seconds, 3),
                "export_resources_per_s": round(written / export_seconds),
                "import_resources_per_s": round(read / import_seconds),
                "peak_rss_mb": round(peak_mb, 1),
                "roundtrip_identical": not differences and written == read,
                "differences": differences,
            }
        )
    )


if __name__ == "__main__":
    main()
