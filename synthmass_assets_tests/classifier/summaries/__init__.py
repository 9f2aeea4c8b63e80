"""Tests of the clinical summaries."""
