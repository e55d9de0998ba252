from django.urls import path  # noqa: F401

urlpatterns: list = [
    # --- scorecards (scoring/apis.py) ---
    # --- calibration reports (scoring/report_apis.py) ---
]
