"""Create the demo users (a hiring manager, six interviewers, a recruiter, an admin) and print
their usernames, password and API tokens."""

from django.contrib.auth.models import Group, User
from django.core.management.base import BaseCommand
from rest_framework.authtoken.models import Token

# Six interviewers: enough for the README tour's four-session loop and for a swap or two.
DEMO_USERS = [
    ("demo_hiring_manager", ["hiring_manager"], False),
    *((f"demo_interviewer{n}", ["interviewer"], False) for n in range(1, 7)),
    ("demo_recruiter", ["recruiter"], False),
    ("demo_admin", [], True),
]
# A long passphrase, so that it passes Django's password validators (length, common passwords,
# similarity to the username, all-numeric) when they are switched on.
DEMO_PASSWORD = "correct-horse-battery-staple-demo"


class Command(BaseCommand):
    help = "Create demo users (a hiring manager, six interviewers, a recruiter, an admin)."

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
