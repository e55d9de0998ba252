"""Drop DRF's authtoken table, which held every API token in plain text.

rest_framework.authtoken left INSTALLED_APPS when tokens moved to django-rest-knox (core.ApiToken,
digests only). Its old tokens stop working (users sign in again, docs/SECURITY.md "Tokens"); the
table is dropped rather than left behind, since a copy of it is a copy of every credential. Its
rows in django_migrations go too, so that putting the app back would create the table afresh.
"""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("core", "0003_api_tokens")]

    operations = [
        migrations.RunSQL(
            sql=[
                "DROP TABLE IF EXISTS authtoken_token",
                "DELETE FROM django_migrations WHERE app = 'authtoken'",
            ],
            reverse_sql=migrations.RunSQL.noop,
        ),
    ]
