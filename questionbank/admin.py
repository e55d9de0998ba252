from django import forms
from django.contrib import admin

from questionbank.models import Competency, Level, Question, RubricCriterion


class RubricCriterionAdminForm(forms.ModelForm):
    """A scored criterion is never edited in place (API.md, Question bank): its text and weight
    are what its ratings mean, and a question score is the weighted mean of them."""

    class Meta:
        model = RubricCriterion
        fields = ("order", "text", "weight", "is_active")

    def clean(self):
        cleaned = super().clean()
        edited = {"text", "weight"} & set(self.changed_data)
        if edited and self.instance.pk and self.instance.ratings.exists():
            raise forms.ValidationError(
                f"Criterion {self.instance.pk} has been scored, so its "
                f"{' and '.join(sorted(edited))} cannot change: untick is_active to retire it and "
                "add a new criterion, or change the rubric with PATCH "
                f"/api/v1/questions/{self.instance.question_id}/, which does both."
            )
        return cleaned


class RubricCriterionInline(admin.TabularInline):
    model = RubricCriterion
    form = RubricCriterionAdminForm
    extra = 0
    fields = ("order", "text", "weight", "is_active", "retired_at")
    readonly_fields = ("retired_at",)


@admin.register(Level)
class LevelAdmin(admin.ModelAdmin):
    list_display = ("slug", "name", "order")


@admin.register(Competency)
class CompetencyAdmin(admin.ModelAdmin):
    list_display = ("slug", "name")


@admin.register(Question)
class QuestionAdmin(admin.ModelAdmin):
    list_display = ("id", "slug", "level", "estimated_minutes", "is_active")
    list_filter = ("level", "is_active", "competencies")
    search_fields = ("slug", "prompt", "hint")
    filter_horizontal = ("competencies",)
    inlines = [RubricCriterionInline]
