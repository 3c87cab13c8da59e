"""Rules on survey answers and on service levels were added side by side: join them, with
every trigger among the choices."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("automation", "0005_rules_on_survey_answers"),
        ("automation", "0005_sla_triggers_and_firings_per_clock"),
    ]

    operations = [
        migrations.AlterField(
            model_name="rule",
            name="trigger",
            field=models.CharField(
                choices=[
                    ("ticket_created", "A ticket is created"),
                    ("customer_message", "The customer writes again"),
                    ("analysed", "The coach has read the customer's message"),
                    ("survey_answered", "The customer answers the satisfaction survey"),
                    ("sla_warning", "An SLA target will breach soon"),
                    ("sla_breached", "An SLA target was breached"),
                ],
                max_length=16,
                verbose_name="when",
            ),
        ),
        migrations.AlterField(
            model_name="rulefiring",
            name="trigger",
            field=models.CharField(
                choices=[
                    ("ticket_created", "A ticket is created"),
                    ("customer_message", "The customer writes again"),
                    ("analysed", "The coach has read the customer's message"),
                    ("survey_answered", "The customer answers the satisfaction survey"),
                    ("sla_warning", "An SLA target will breach soon"),
                    ("sla_breached", "An SLA target was breached"),
                ],
                max_length=16,
                verbose_name="when",
            ),
        ),
    ]
