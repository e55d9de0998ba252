"""The retention job's index: finished deliveries by `created_at` (webhook_deliveries_prune).

Built CONCURRENTLY on PostgreSQL: the delivery log was never pruned before this, so the table may
be large, and a plain CREATE INDEX would block every delivery's writes while it builds. Other
databases (SQLite for `make run`) build it the ordinary way.
"""

from django.contrib.postgres.operations import AddIndexConcurrently
from django.db import migrations, models


class AddIndexConcurrentlyOnPostgres(AddIndexConcurrently):
    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor != "postgresql":
            migrations.AddIndex.database_forwards(
                self, app_label, schema_editor, from_state, to_state
            )
            return
        super().database_forwards(app_label, schema_editor, from_state, to_state)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor != "postgresql":
            migrations.AddIndex.database_backwards(
                self, app_label, schema_editor, from_state, to_state
            )
            return
        super().database_backwards(app_label, schema_editor, from_state, to_state)


class Migration(migrations.Migration):
    atomic = False  # CREATE INDEX CONCURRENTLY cannot run inside a transaction

    dependencies = [
        ("webhooks", "0002_webhook_event_outbox"),
    ]

    operations = [
        AddIndexConcurrentlyOnPostgres(
            model_name="webhookdelivery",
            index=models.Index(
                condition=models.Q(("status", "pending"), _negated=True),
                fields=["created_at"],
                name="webhook_delivery_finished",
            ),
        ),
    ]
