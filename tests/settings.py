"""The test suite's settings: config.settings itself, with the laptop environment a test run needs.

DEBUG is off unless the environment says otherwise (config/settings.py); the suite runs with the
laptop settings (no HTTPS redirect, the development secret) as it always has, unless the caller
sets DEBUG itself. Production settings are tested by running manage.py in a subprocess with the
production environment (tests/test_deployment.py).
"""

import os
import re

os.environ.setdefault("DEBUG", "1")

# Under pytest-xdist (`make test` runs two workers) each worker has its own test database
# (pytest-django adds the worker id to its name) and must have its own Redis broker database too:
# a real Celery worker started by one pytest worker would otherwise take the other's tasks and run
# them against the wrong database. gw0 keeps the broker's database; gwN takes N*2 below it (mod 16).
# The variable is rewritten before config.settings and the test modules read it.
_xdist_worker = os.environ.get("PYTEST_XDIST_WORKER", "")
if _xdist_worker.startswith("gw") and os.environ.get("CELERY_BROKER_URL"):
    _offset = 2 * int(_xdist_worker[2:])
    os.environ["CELERY_BROKER_URL"] = re.sub(
        r"/(\d+)$",
        lambda match: f"/{(int(match.group(1)) - _offset) % 16}",
        os.environ["CELERY_BROKER_URL"],
    )

from config.settings import *  # noqa: E402,F403
