"""Benchmarks, each runnable as `python -m mission_control.bench.<name>`."""
