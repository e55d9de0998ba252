"""Calibration statistics of interviewers, questions and candidates (pure numpy / scipy).

No Django here: the ORM layer builds `CalibrationInputs` and calls `build_report`.
"""

from scoring.calibration.agreement import (
    AlphaResult,
    alpha_from_reliability_matrix,
    krippendorff_alpha,
    krippendorff_alphas,
    reliability_value_counts,
)
from scoring.calibration.inputs import CalibrationInputs, validate_inputs
from scoring.calibration.questions import (
    QuestionStatistics,
    item_rest_discrimination,
    question_statistics,
)
from scoring.calibration.reliability import (
    IntraclassCorrelation,
    icc_one_way,
    interviewers_needed,
    single_rater_reliability,
    spearman_brown,
    spearman_brown_inverse,
)
from scoring.calibration.report import build_report
from scoring.calibration.severity import SeverityFit, fit_severity_model, largest_connected_group
from scoring.calibration.variance import (
    VarianceComponents,
    decision_coefficients,
    decision_study,
    henderson_one,
)

__all__ = [
    "AlphaResult",
    "CalibrationInputs",
    "IntraclassCorrelation",
    "QuestionStatistics",
    "SeverityFit",
    "VarianceComponents",
    "alpha_from_reliability_matrix",
    "build_report",
    "decision_coefficients",
    "decision_study",
    "fit_severity_model",
    "henderson_one",
    "icc_one_way",
    "interviewers_needed",
    "item_rest_discrimination",
    "krippendorff_alpha",
    "krippendorff_alphas",
    "largest_connected_group",
    "question_statistics",
    "reliability_value_counts",
    "single_rater_reliability",
    "spearman_brown",
    "spearman_brown_inverse",
    "validate_inputs",
]
