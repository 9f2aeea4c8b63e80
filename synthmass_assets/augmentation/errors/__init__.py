"""Demographic error variants, one module per kind of field, and the injector."""
