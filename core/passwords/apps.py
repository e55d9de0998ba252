from django.apps import AppConfig


class PasswordCommandsConfig(AppConfig):
    """`manage.py changepassword` with the API's token rule (core/passwords/management/commands/
    changepassword.py). Listed before django.contrib.auth in INSTALLED_APPS: of two apps with a
    command of one name, Django runs the earlier one's. No models."""

    name = "core.passwords"
    label = "core_passwords"
    verbose_name = "Password commands"
