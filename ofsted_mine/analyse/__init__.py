"""Analyses over stored, tagged findings: theme counts, timelines, comparisons, follow-up."""
