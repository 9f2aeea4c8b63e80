"""FHIR R4 Bulk Data in and out: per-facility exports of a track, and reading exports back.

`write_bulk_exports` writes ``<out>/<facility_id>/manifest.json`` plus one NDJSON file per
resource type; `read_exports` reads such exports (folders or manifests, ``.ndjson`` or
``.ndjson.gz``) back into facility records, Synthea-schema clinical tables and an
``encounter_facilities`` frame. Both work column-wise in polars and pyarrow.
"""

from synthmass_assets.fhir_bulk.export import ExportSummary, write_bulk_exports, write_ground_truth
from synthmass_assets.fhir_bulk.reader import FhirImport, read_export, read_exports

__all__ = [
    "ExportSummary",
    "FhirImport",
    "read_export",
    "read_exports",
    "write_bulk_exports",
    "write_ground_truth",
]
