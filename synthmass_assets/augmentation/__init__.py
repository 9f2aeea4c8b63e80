"""Augmentation stage: facilities, look-alikes, registrations with realistic errors, truth."""
