"""The CPU family: a LoRA-tuned record encoder and pair heads fitted on cached encodings."""
