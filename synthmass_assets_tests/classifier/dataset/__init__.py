"""Tests of the pair dataset."""
