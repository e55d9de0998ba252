from django.contrib.auth.models import User
from django.db.models import QuerySet


def user_list() -> QuerySet[User]:
    return User.objects.prefetch_related("groups").order_by("id")
