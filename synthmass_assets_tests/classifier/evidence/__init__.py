"""Tests of the pair evidence."""
