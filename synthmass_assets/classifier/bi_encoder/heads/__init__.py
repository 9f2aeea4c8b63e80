"""Trainable heads on record encodings and pair features: MLP, boosted trees, record profiles."""
