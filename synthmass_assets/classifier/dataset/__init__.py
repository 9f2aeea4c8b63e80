"""The labelled pair dataset: sampling and splitting pairs, and its Hugging Face form on disk."""
