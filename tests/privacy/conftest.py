"""Fixtures of the privacy tests."""

import pytest

from tests.privacy.privacy_helpers import candidate_with_history


@pytest.fixture
def history(client_for, recruiter, admin_user, interviewer, other_interviewer):
    return candidate_with_history(
        client_for=client_for,
        recruiter=recruiter,
        admin_user=admin_user,
        interviewers=[interviewer, other_interviewer],
    )
