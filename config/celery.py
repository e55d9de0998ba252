"""The Celery application. Settings come from Django settings under the CELERY_ prefix."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("config")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
# scoring keeps its tasks in its reports room; the task names stay "scoring.tasks.*" (set on each
# task) so that messages queued before the move still find their task.
app.autodiscover_tasks(["scoring.reports"])
