"""Scorecards: an interviewer's ratings and recommendation for one session, blind to peers until
their own is submitted, amended only as new revisions (history kept). Writes in `services.py`,
reads (with the visibility rules) in `selectors.py`, the API in `apis.py`."""
