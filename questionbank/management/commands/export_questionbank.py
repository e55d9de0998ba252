"""Write the question bank as a file (docs/QUESTIONBANK_FILE.md), as GET /questions/export/."""

import json
from pathlib import Path

from django.core.management.base import BaseCommand

from questionbank.selectors import question_bank_export
from questionbank.serializers import QuestionBankExportOutputSerializer


class Command(BaseCommand):
    help = "Write the question bank as JSON to stdout, or to --output FILE."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--output", type=Path, help="Write to this file instead of stdout.")

    def handle(self, *args, output: Path | None = None, **options) -> None:
        bank = QuestionBankExportOutputSerializer(question_bank_export()).data
        text = json.dumps(bank, ensure_ascii=False, indent=2) + "\n"
        if output is None:
            self.stdout.write(text, ending="")
            return
        output.write_text(text, encoding="utf-8")
        self.stderr.write(f"Wrote {len(bank['questions'])} questions to {output}.")
