"""The grants benchmark (entry point: bench/grants.py), split by concern."""
