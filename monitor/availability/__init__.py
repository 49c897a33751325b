"""Exact availability: interval arithmetic over state intervals and report periods in the
office's time (both pure), availability targets, and the reads that feed them. The monthly report
and the risk rules both build on it."""
