from django.contrib import admin

from interviews.models import (
    Candidate,
    InterviewSession,
    Job,
    LevelQuota,
    Loop,
    LoopTemplate,
    SessionQuestion,
)
from interviews.services.exposure import question_exposure_asked


@admin.register(Job)
class JobAdmin(admin.ModelAdmin):
    """A job's hiring manager is on its team (API.md additions, hiring teams): jobs are opened,
    and handed to another hiring manager, through the API (`job_create`, `job_update`), which
    keep the team; here the hiring manager is read-only and there is no add page."""

    list_display = ("id", "title", "seniority", "hiring_manager")
    readonly_fields = ("hiring_manager",)

    def has_add_permission(self, request) -> bool:
        return False


@admin.register(Candidate)
class CandidateAdmin(admin.ModelAdmin):
    list_display = ("id", "name", "email", "external_id", "erased_at")
    search_fields = ("name", "email", "external_id")
    # Erasure is POST /api/v1/candidates/{id}/erase/ (privacy.services.candidate_erase), never a
    # form edit: erased_at is read-only here, and an erased candidate cannot be changed at all.
    readonly_fields = ("erased_at",)

    def has_change_permission(self, request, obj=None) -> bool:
        if obj is not None and obj.erased_at is not None:
            return False
        return super().has_change_permission(request, obj)


class LevelQuotaInline(admin.TabularInline):
    model = LevelQuota
    extra = 0


@admin.register(LoopTemplate)
class LoopTemplateAdmin(admin.ModelAdmin):
    list_display = ("id", "name", "job", "session_count", "session_minutes")
    inlines = [LevelQuotaInline]


class InterviewSessionInline(admin.TabularInline):
    model = InterviewSession
    extra = 0
    fields = ("order", "duration_minutes", "scheduled_at")


@admin.register(Loop)
class LoopAdmin(admin.ModelAdmin):
    """Read-mostly: plans are made by the generator through the API, not edited here."""

    list_display = ("id", "candidate", "template", "status", "decision", "created_at")
    list_filter = ("status", "decision")
    # The decision is made through the API only (POST /loops/{id}/decision/): final once made,
    # recorded with its author and audited. Here a staff user could rewrite it, or put it in
    # another person's name (decided_by), with no audit entry.
    readonly_fields = ("seed", "balance", "decision", "decision_note", "decided_by", "decided_at")
    inlines = [InterviewSessionInline]

    def has_change_permission(self, request, obj=None) -> bool:
        # The loop of an erased candidate is read-only here as through the API: a decision note
        # or a status written now would be new text about them (privacy.services).
        if obj is not None and obj.candidate.erased_at is not None:
            return False
        return super().has_change_permission(request, obj)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        # No loop is added for, or moved onto, an erased candidate (its texts would not be
        # erased: the erasure has run).
        if db_field.name == "candidate":
            kwargs["queryset"] = Candidate.objects.filter(erased_at__isnull=True)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change) -> None:
        """Save, and keep the questions' exposure counters when the edit cancels the loop or
        takes it out of cancelled (admin.ModelAdmin saves inside a transaction)."""
        before = Loop.objects.filter(pk=obj.pk).values_list("status", flat=True).first()
        super().save_model(request, obj, form, change)
        was, now = (status == Loop.Status.CANCELLED for status in (before, obj.status))
        if change and was != now:
            question_exposure_asked(
                SessionQuestion.objects.filter(loop=obj).values_list("question_id", flat=True),
                loops=-1 if now else 1,
            )
