from django.contrib import admin

from questionbank.models import Competency, Level, Question, RubricCriterion


class RubricCriterionInline(admin.TabularInline):
    model = RubricCriterion
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
