"""Data stewards: FHIR $match, Splink dashboards and the review queue."""
