"""Create the demo users (a hiring manager, six interviewers, a recruiter, an admin) and print
their usernames, password and API tokens."""

from django.conf import settings
from django.contrib.auth.models import User
from django.core.management.base import BaseCommand, CommandError

from core.services import role_groups, token_create

# Six interviewers: enough for the README tour's four-session loop and for a swap or two.
DEMO_USERS = [
    ("demo_hiring_manager", ["hiring_manager"], False),
    *((f"demo_interviewer{n}", ["interviewer"], False) for n in range(1, 7)),
    ("demo_recruiter", ["recruiter"], False),
    ("demo_admin", [], True),
]
# A long passphrase: it passes Django's password validators (tests/core/test_demo_users.py), and
# it is known to all, so the command runs under DEBUG only.
DEMO_PASSWORD = "correct-horse-battery-staple-demo"


class Command(BaseCommand):
    help = "Create demo users (a hiring manager, six interviewers, a recruiter, an admin)."

    def handle(self, *args, **options) -> None:
        if not settings.DEBUG:
            # Accounts with a published password (one an admin) must never reach production.
            raise CommandError(
                "create_demo_users makes accounts with a published password: it runs only on a "
                "laptop. Set DEBUG=1 (make run does)."
            )
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
            user.groups.add(*[g for g in role_groups() if g.name in roles])
            _row, token = token_create(user=user)
            role_text = ", ".join(roles) or "admin"
            self.stdout.write(f"  {username:<22} {role_text:<16} Token {token}")
