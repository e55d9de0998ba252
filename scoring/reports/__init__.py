"""Calibration reports: a recruiter's request, the Celery job that computes it (claimed with one
conditional UPDATE, see `services.py`), and its exports (CSV, chart). The statistics themselves are
pure functions in `scoring.calibration`; this room loads their inputs in bulk (`selectors.py`) and
stores their result."""
