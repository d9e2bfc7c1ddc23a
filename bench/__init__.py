"""Benchmarks outside the pytest run (PERFORMANCE.md 6.1)."""
