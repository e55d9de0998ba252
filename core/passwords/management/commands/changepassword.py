"""Django's `changepassword`, which also revokes every token and the calendar feed of the user
(API.md, Tokens: a password change revokes every token of that user), audited as
`user.updated` like `PATCH /users/{id}/`."""

import getpass

from django.contrib.auth import get_user_model
from django.contrib.auth.management.commands.changepassword import Command as DjangoCommand
from django.db import transaction

from core.services import audit_record, user_credentials_revoke


class Command(DjangoCommand):
    help = DjangoCommand.help + " Revokes the user's API tokens and calendar feed."

    def handle(self, *args, **options):
        message = super().handle(*args, **options)  # raises CommandError when nothing changed
        username = options["username"] or getpass.getuser()
        database = options["database"]
        with transaction.atomic(using=database):
            user = get_user_model()._default_manager.using(database).get(username=username)
            changes = {"password": "changed", **user_credentials_revoke(user=user)}
            audit_record(actor=None, action="user.updated", target=user, changes=changes)
        return message
