"""Load fixtures/questionbank.json once: an existing bank (perhaps edited since) is left alone."""

from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand

from questionbank.models import Question

FIXTURE = Path(settings.BASE_DIR) / "fixtures" / "questionbank.json"


class Command(BaseCommand):
    help = "Load the seed question bank unless the bank already has questions."

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--force", action="store_true", help="Load even if questions exist (overwrites them)."
        )

    def handle(self, *args, force: bool = False, **options) -> None:
        if Question.objects.exists() and not force:
            self.stdout.write("Question bank already loaded; leaving it as it is.")
            return
        call_command("loaddata", str(FIXTURE), verbosity=0)
        self.stdout.write(f"Loaded {Question.objects.count()} questions from {FIXTURE.name}.")
