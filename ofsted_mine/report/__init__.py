"""Stage 5, report: terminal rendering, HTML packs, exports."""
