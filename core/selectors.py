from django.contrib.auth.models import User
from django.db.models import QuerySet
from django.utils import timezone

from core.models import ApiToken


def user_list() -> QuerySet[User]:
    return User.objects.prefetch_related("groups").order_by("id")


def integration_token_list(*, user: User) -> QuerySet[ApiToken]:
    """The user's integration tokens that have not expired, newest first."""
    return ApiToken.objects.filter(
        user=user, kind=ApiToken.Kind.INTEGRATION, expiry__gt=timezone.now()
    ).order_by("-created", "-id")
