from django.db import models
from rest_framework import serializers
from rest_framework.fields import empty

from core.fields import (
    StrictBooleanField,
    StrictCharField,
    StrictFloatField,
    StrictIntegerField,
    StrictSlugField,
)
from questionbank.models import Competency, Level


class _UniqueSlugAndNameMixin:
    # Refuses a slug or a name (case-insensitive) that `model` already has, saying which.
    # A comment, not a docstring: drf-spectacular would show a docstring on the serializers.

    model: type[models.Model]
    noun: str

    def validate_slug(self, value: str) -> str:
        if self.model.objects.filter(slug=value).exists():
            raise serializers.ValidationError(f"A {self.noun} with slug '{value}' already exists.")
        return value

    def validate_name(self, value: str) -> str:
        if self.model.objects.filter(name__iexact=value).exists():
            raise serializers.ValidationError(f"A {self.noun} named '{value}' already exists.")
        return value


class LevelOutputSerializer(serializers.Serializer):
    slug = serializers.SlugField()
    name = serializers.CharField()
    order = serializers.IntegerField()
    question_count = serializers.IntegerField(read_only=True, default=0)


class LevelInputSerializer(_UniqueSlugAndNameMixin, serializers.Serializer):
    model = Level
    noun = "level"

    slug = StrictSlugField(max_length=50)
    name = StrictCharField(max_length=100)
    order = StrictIntegerField(min_value=0, max_value=1000)


class CompetencyOutputSerializer(serializers.Serializer):
    slug = serializers.SlugField()
    name = serializers.CharField()
    description = serializers.CharField()
    question_count = serializers.IntegerField(read_only=True, default=0)


class CompetencyInputSerializer(_UniqueSlugAndNameMixin, serializers.Serializer):
    model = Competency
    noun = "competency"

    slug = StrictSlugField(max_length=50)
    name = StrictCharField(max_length=100)
    description = StrictCharField(required=False, allow_blank=True, default="")


class RubricCriterionOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    order = serializers.IntegerField()
    text = serializers.CharField()
    weight = serializers.FloatField()


class _TextRequiredEvenInPartialUpdates(StrictCharField):
    # DRF skips `required` for every field under a partial update, nested items included; a
    # rubric item without its text is incomplete whatever the request, so refuse it here
    # (`rubric.N.text`) instead of letting the rubric validator meet a missing key.
    def validate_empty_values(self, data):
        if data is empty and self.required:
            self.fail("required")
        return super().validate_empty_values(data)


class RubricCriterionInputSerializer(serializers.Serializer):
    text = _TextRequiredEvenInPartialUpdates(max_length=1000)
    weight = StrictFloatField(required=False, default=1.0, min_value=0.1, max_value=100)


class QuestionOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    slug = serializers.SlugField()
    level = serializers.CharField(source="level_id")
    prompt = serializers.CharField()
    hint = serializers.CharField()
    competencies = serializers.SerializerMethodField()
    estimated_minutes = serializers.IntegerField()
    is_active = serializers.BooleanField()
    rubric = RubricCriterionOutputSerializer(many=True, source="active_criteria")
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()

    def get_competencies(self, question) -> list[str]:
        return [c.slug for c in question.competencies.all()]


class _QuestionFieldsMixin(serializers.Serializer):
    def validate_level(self, value: str) -> str:
        if not Level.objects.filter(slug=value).exists():
            known = ", ".join(Level.objects.values_list("slug", flat=True))
            raise serializers.ValidationError(f"Unknown level '{value}'. Known levels: {known}.")
        return value

    def validate_competencies(self, value: list[str]) -> list[str]:
        unique = list(dict.fromkeys(value))
        known = set(Competency.objects.filter(slug__in=unique).values_list("slug", flat=True))
        missing = [slug for slug in unique if slug not in known]
        if missing:
            raise serializers.ValidationError(
                f"Unknown competencies: {', '.join(missing)}. See GET /api/v1/competencies/."
            )
        return unique

    def validate_rubric(self, value: list[dict]) -> list[dict]:
        if not value:
            raise serializers.ValidationError("A question needs at least one rubric criterion.")
        texts = [item["text"].strip().lower() for item in value]
        if len(set(texts)) != len(texts):
            raise serializers.ValidationError("Two rubric criteria have the same text.")
        # A partial update skips nested defaults, so fill the weight here.
        return [{"text": item["text"], "weight": item.get("weight", 1.0)} for item in value]


class QuestionCreateInputSerializer(_QuestionFieldsMixin):
    slug = StrictSlugField(max_length=100, required=False)
    level = StrictCharField(max_length=50)
    prompt = StrictCharField(max_length=4000)
    hint = StrictCharField(max_length=8000)
    competencies = serializers.ListField(
        child=StrictSlugField(max_length=50), required=False, default=list, max_length=20
    )
    estimated_minutes = StrictIntegerField(min_value=1, max_value=240, default=10)
    is_active = StrictBooleanField(default=True)
    rubric = RubricCriterionInputSerializer(many=True, max_length=50)


class QuestionUpdateInputSerializer(_QuestionFieldsMixin):
    slug = StrictSlugField(max_length=100, required=False)
    level = StrictCharField(max_length=50, required=False)
    prompt = StrictCharField(max_length=4000, required=False)
    hint = StrictCharField(max_length=8000, required=False)
    competencies = serializers.ListField(
        child=StrictSlugField(max_length=50), required=False, max_length=20
    )
    estimated_minutes = StrictIntegerField(min_value=1, max_value=240, required=False)
    is_active = StrictBooleanField(required=False)
    rubric = RubricCriterionInputSerializer(many=True, required=False, max_length=50)


# --- the bank as a file: export and import (docs/QUESTIONBANK_FILE.md) ---------------------------

BANK_FILE_VERSION = 1
# Questions in one file. The HTTP body limit (REQUEST_MAX_BODY_BYTES, 1 MiB by default) usually
# comes first over HTTP; the management command reads files of any size up to this cap.
MAX_IMPORT_QUESTIONS = 2000
MAX_IMPORT_LEVELS = 100
MAX_IMPORT_COMPETENCIES = 500


class BankLevelOutputSerializer(serializers.Serializer):
    slug = serializers.SlugField()
    name = serializers.CharField()
    order = serializers.IntegerField()


class BankCompetencyOutputSerializer(serializers.Serializer):
    slug = serializers.SlugField()
    name = serializers.CharField()
    description = serializers.CharField()


class BankRubricCriterionOutputSerializer(serializers.Serializer):
    text = serializers.CharField()
    weight = serializers.FloatField()


class BankQuestionOutputSerializer(serializers.Serializer):
    slug = serializers.SlugField()
    level = serializers.CharField(source="level_id")
    prompt = serializers.CharField()
    hint = serializers.CharField()
    competencies = serializers.SerializerMethodField()
    estimated_minutes = serializers.IntegerField()
    is_active = serializers.BooleanField()
    rubric = BankRubricCriterionOutputSerializer(many=True, source="active_criteria")

    def get_competencies(self, question) -> list[str]:
        return [c.slug for c in question.competencies.all()]


class QuestionBankExportOutputSerializer(serializers.Serializer):
    version = serializers.IntegerField()
    levels = BankLevelOutputSerializer(many=True)
    competencies = BankCompetencyOutputSerializer(many=True)
    questions = BankQuestionOutputSerializer(many=True)


def _positions(items, key: str, fold_case: bool = False) -> dict[str, list[int]]:
    """{value of `key`: the indexes of the file's items that have it} (non-objects skipped).
    Values are trimmed as the fields trim them, so " q1" and "q1" are the same slug; with
    `fold_case` (names, which the create endpoints compare case-insensitively) they are
    lowercased too, so "Expert" and "EXPERT" are the same name."""
    positions: dict[str, list[int]] = {}
    for index, item in enumerate(items if isinstance(items, list) else []):
        if isinstance(item, dict) and isinstance(item.get(key), str):
            value = item[key].strip()
            positions.setdefault(value.lower() if fold_case else value, []).append(index)
    return positions


def _duplicate_of(
    positions: dict[str, list[int]], value: str, section: str, shown: str | None = None
) -> str | None:
    indexes = positions.get(value, [])
    if len(indexes) < 2:
        return None
    where = ", ".join(f"{section}.{i}" for i in indexes)
    return f"'{shown or value}' appears {len(indexes)} times in the file ({where}); list it once."


class _BankFileItemMixin:
    # Cross-item checks read `self.context["bank_file"]` (BankFileContext): slugs and names in
    # the file and in the database, computed once per file, so that every item's errors are
    # reported together with its index.
    section: str

    @property
    def bank_file(self) -> "BankFileContext":
        return self.context["bank_file"]

    def validate_slug(self, value: str) -> str:
        problem = _duplicate_of(self.bank_file.slugs[self.section], value, self.section)
        if problem:
            raise serializers.ValidationError(problem)
        return value


class BankLevelInputSerializer(_BankFileItemMixin, serializers.Serializer):
    section = "levels"

    slug = StrictSlugField(max_length=50)
    name = StrictCharField(max_length=100)
    order = StrictIntegerField(min_value=0, max_value=1000)

    def validate(self, attrs: dict) -> dict:
        return self.bank_file.check_new_name(self.section, attrs)


class BankCompetencyInputSerializer(_BankFileItemMixin, serializers.Serializer):
    section = "competencies"

    slug = StrictSlugField(max_length=50)
    name = StrictCharField(max_length=100)
    description = StrictCharField(required=False, allow_blank=True, default="")

    def validate(self, attrs: dict) -> dict:
        return self.bank_file.check_new_name(self.section, attrs)


class BankQuestionInputSerializer(_BankFileItemMixin, QuestionCreateInputSerializer):
    """A question of the file: the API's question shape without id (the create input's fields,
    one definition), by slug (required here)."""

    section = "questions"

    slug = StrictSlugField(max_length=100)

    def validate_level(self, value: str) -> str:
        if value not in self.bank_file.known["levels"]:
            raise serializers.ValidationError(
                f"Unknown level '{value}': add it to the file's levels or create it first."
            )
        return value

    def validate_competencies(self, value: list[str]) -> list[str]:
        unique = list(dict.fromkeys(value))
        missing = [slug for slug in unique if slug not in self.bank_file.known["competencies"]]
        if missing:
            raise serializers.ValidationError(
                f"Unknown competencies: {', '.join(missing)}; add them to the file's "
                "competencies or create them first."
            )
        return unique


class BankFileContext:
    """What the items of one file are checked against: the slugs and names in the file and in
    the database (two queries, whatever the file's size)."""

    def __init__(self, document) -> None:
        document = document if isinstance(document, dict) else {}
        stored = {
            "levels": dict(Level.objects.values_list("slug", "name")),
            "competencies": dict(Competency.objects.values_list("slug", "name")),
        }
        self.stored = stored
        self.slugs = {
            section: _positions(document.get(section), "slug")
            for section in ("levels", "competencies", "questions")
        }
        self.names = {
            section: _positions(document.get(section), "name", fold_case=True)
            for section in ("levels", "competencies")
        }
        self.known = {
            section: set(stored[section]) | set(self.slugs[section]) for section in stored
        }

    def check_new_name(self, section: str, attrs: dict) -> dict:
        """A level or competency the database lacks will be created: its name must be free
        (names are unique). One the database has is left as it is, whatever the file says."""
        slug, name = attrs["slug"], attrs["name"]
        if slug in self.stored[section]:
            return attrs
        taken_by = next(
            (s for s, n in self.stored[section].items() if n.lower() == name.lower()), None
        )
        if taken_by is not None:
            raise serializers.ValidationError(
                {
                    "name": [
                        f"'{name}' is already the name of '{taken_by}'; rename it or use that slug."
                    ]
                }
            )
        problem = _duplicate_of(self.names[section], name.lower(), section, shown=name)
        if problem:
            raise serializers.ValidationError({"name": [problem]})
        return attrs


class QuestionBankImportInputSerializer(serializers.Serializer):
    """A bank file, as GET /questions/export/ writes it. Build it with `for_document`."""

    version = StrictIntegerField(
        required=False,
        default=BANK_FILE_VERSION,
        min_value=BANK_FILE_VERSION,
        max_value=BANK_FILE_VERSION,
        error_messages={
            "min_value": f"Only version {BANK_FILE_VERSION} bank files are read.",
            "max_value": f"Only version {BANK_FILE_VERSION} bank files are read.",
        },
    )
    levels = BankLevelInputSerializer(
        many=True, required=False, default=list, max_length=MAX_IMPORT_LEVELS
    )
    competencies = BankCompetencyInputSerializer(
        many=True, required=False, default=list, max_length=MAX_IMPORT_COMPETENCIES
    )
    questions = BankQuestionInputSerializer(many=True, max_length=MAX_IMPORT_QUESTIONS)

    def to_internal_value(self, data):
        # The cap first, with the count, before thousands of items are checked one by one.
        questions = data.get("questions") if isinstance(data, dict) else None
        if isinstance(questions, list) and len(questions) > MAX_IMPORT_QUESTIONS:
            raise serializers.ValidationError(
                {
                    "questions": [
                        f"The file has {len(questions):,} questions; at most "
                        f"{MAX_IMPORT_QUESTIONS:,} are read per file. Split it (the import is "
                        "by slug, so the parts may be imported one after another)."
                    ]
                }
            )
        return super().to_internal_value(data)

    @classmethod
    def for_document(cls, document) -> "QuestionBankImportInputSerializer":
        return cls(data=document, context={"bank_file": BankFileContext(document)})


class QuestionBankImportOutputSerializer(serializers.Serializer):
    levels_created = serializers.ListField(child=serializers.SlugField())
    competencies_created = serializers.ListField(child=serializers.SlugField())
    questions_created = serializers.ListField(child=serializers.SlugField())
    questions_updated = serializers.ListField(child=serializers.SlugField())
    questions_unchanged = serializers.ListField(child=serializers.SlugField())
