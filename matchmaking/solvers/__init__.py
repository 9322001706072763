"""Solvers: seating, cohorts and pairings (each in its own module)."""
