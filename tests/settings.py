"""The test suite's settings: config.settings itself, with the laptop environment a test run needs.

DEBUG is off unless the environment says otherwise (config/settings.py); the suite runs with the
laptop settings (no HTTPS redirect, the development secret) as it always has, unless the caller
sets DEBUG itself. Production settings are tested by running manage.py in a subprocess with the
production environment (tests/test_deployment.py).
"""

import os

os.environ.setdefault("DEBUG", "1")

from config.settings import *  # noqa: E402,F403
