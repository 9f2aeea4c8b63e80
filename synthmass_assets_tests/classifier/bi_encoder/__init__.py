"""Tests of the bi-encoder family."""
