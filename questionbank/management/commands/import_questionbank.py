"""Import a question bank file (docs/QUESTIONBANK_FILE.md), as POST /questions/import/ does:
the same checks, the same service, all or nothing."""

import json
from pathlib import Path

from django.contrib.auth.models import User
from django.core.management.base import BaseCommand, CommandError

from core.errors import flatten_errors
from core.parsers import MAX_JSON_DEPTH, json_nesting_depth
from questionbank.serializers import QuestionBankImportInputSerializer
from questionbank.services import question_bank_import


def _read(path: Path):
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise CommandError(f"Cannot read {path}: {exc}") from None
    if json_nesting_depth(text) > MAX_JSON_DEPTH:
        raise CommandError(f"{path} is nested deeper than {MAX_JSON_DEPTH} levels.")
    try:
        return json.loads(text)
    except ValueError as exc:
        raise CommandError(f"{path} is not valid JSON: {exc}") from None


class Command(BaseCommand):
    help = "Import a question bank file by slug; one invalid question refuses the whole file."

    def add_arguments(self, parser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument(
            "--user", help="Username recorded as the author in the audit trail (default: none)."
        )

    def handle(self, *args, file: Path, user: str | None = None, **options) -> None:
        actor = None
        if user is not None:
            actor = User.objects.filter(username=user).first()
            if actor is None:
                raise CommandError(f"No user named {user!r}.")
        body = QuestionBankImportInputSerializer.for_document(_read(file))
        if not body.is_valid():
            problems = flatten_errors(body.errors)
            lines = [f"  {field}: {' '.join(messages)}" for field, messages in problems.items()]
            raise CommandError(
                f"{file} was not imported; {len(problems)} problem(s):\n" + "\n".join(lines)
            )
        bank = {k: v for k, v in body.validated_data.items() if k != "version"}
        result = question_bank_import(actor=actor, **bank)
        self.stdout.write(
            f"Imported {file}: {len(result.questions_created)} questions created, "
            f"{len(result.questions_updated)} updated, {len(result.questions_unchanged)} "
            f"unchanged; {len(result.levels_created)} levels and "
            f"{len(result.competencies_created)} competencies created."
        )
