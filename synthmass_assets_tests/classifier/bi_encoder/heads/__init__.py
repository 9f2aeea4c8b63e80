"""Tests of the bi-encoder's heads."""
