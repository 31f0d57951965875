"""Benchmarks P1-P5 (`make bench`); targets are listed in README.md."""
