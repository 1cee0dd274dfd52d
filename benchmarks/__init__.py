"""Reproducible performance benchmarks (`reflect bench`): numbers, never test assertions."""
