"""Create one demo user per role (and an admin) and print their API tokens."""

from django.contrib.auth.models import Group, User
from django.core.management.base import BaseCommand
from rest_framework.authtoken.models import Token

DEMO_USERS = [
    ("demo_hiring_manager", ["hiring_manager"], False),
    ("demo_interviewer", ["interviewer"], False),
    ("demo_interviewer2", ["interviewer"], False),
    ("demo_recruiter", ["recruiter"], False),
    ("demo_admin", [], True),
]
DEMO_PASSWORD = "demo-password-123"


class Command(BaseCommand):
    help = "Create demo users (one per role, plus an admin) and print their tokens."

    def handle(self, *args, **options) -> None:
        self.stdout.write(f"Demo users (password for all: {DEMO_PASSWORD}):")
        for username, roles, is_staff in DEMO_USERS:
            user, created = User.objects.get_or_create(
                username=username,
                defaults={"email": f"{username}@example.com", "is_staff": is_staff},
            )
            if created:
                user.set_password(DEMO_PASSWORD)
                user.is_superuser = is_staff
                user.save()
            user.groups.add(*Group.objects.filter(name__in=roles))
            token, _ = Token.objects.get_or_create(user=user)
            role_text = ", ".join(roles) or "admin"
            self.stdout.write(f"  {username:<22} {role_text:<16} Token {token.key}")
