"""Django finds an app's models in `<app>/models.py`; scoring's live in its two rooms.

The tables keep their names (`scoring_scorecard`, `scoring_calibrationreport`, ...) and the app
label stays `scoring`, so the move needed no migration. Import models from their room,
not from here.
"""

from scoring.reports.models import CalibrationReport
from scoring.scorecards.models import CriterionRating, Scorecard, ScorecardRevision

__all__ = ["CalibrationReport", "CriterionRating", "Scorecard", "ScorecardRevision"]
