"""Classifier stage: clinical summaries and the pair classifier trained on the training track."""
