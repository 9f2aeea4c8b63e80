"""Trained models as files, their merge and promotion, and pair scoring for the mpi stage."""
