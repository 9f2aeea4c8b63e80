"""Tests of the cross-encoder family."""
