"""Rectification (整改, SPEC §14): a not-done inspection item becomes an assigned, tracked fix, verified on its proof."""
