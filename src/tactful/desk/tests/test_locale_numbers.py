"""Numbers on the desk's pages in the reader's locale: decimal commas and grouping in Spanish
and Russian, as Django's formats put them (no Python f-string with a fixed point)."""

from __future__ import annotations

import pytest
from django.utils import translation

from tactful.automation.models import Rule
from tactful.automation.presenters import rule_rows
from tactful.coaching.events import MessageAnalysed
from tactful.inbox.templatetags.desk_tags import filesize
from tactful.quality.presenters import kappa_label, percent_label
from tactful.reports.presenters import display
from tactful.tickets.events import Names

NBSP = "\xa0"


@pytest.mark.parametrize(
    ("language", "kappa", "share", "size", "count"),
    [
        ("en", "0.75", "87.5 %", "1.5 KB", "12,345"),
        ("es", "0,75", "87,5 %", "1,5 KB", f"12{NBSP}345"),
        ("ru", "0,75", "87,5 %", "1,5 KB", f"12{NBSP}345"),
    ],
)
def test_figures_follow_the_reader_language(language, kappa, share, size, count):
    with translation.override(language):
        assert kappa_label(0.75) == kappa
        assert percent_label(0.5) == "50%"
        assert display(87.5, "%") == share
        assert filesize(1536) == size
        assert display(12345, "") == count


def test_the_coach_reading_on_the_timeline_uses_a_decimal_comma_in_spanish():
    data = {"emotion": "anger", "intensity": 0.8}
    with translation.override("es"):
        assert "0,80" in MessageAnalysed.describe(data, Names())
    with translation.override("en"):
        assert "0.80" in MessageAnalysed.describe(data, Names())


@pytest.mark.django_db
def test_rule_conditions_print_intensities_in_the_reader_language(desk):
    admin = desk.admin("root")
    rule = Rule(
        name="Hot",
        trigger="analysed",
        conditions={"emotion_in": ["anger"], "emotion_min_intensity": 0.7, "min_intensity": 0.5},
        actions=[{"type": "add_tag", "tag": "hot"}],
    )
    rule.full_clean()
    rule.save()
    with translation.override("ru"):
        [row] = [r for r in rule_rows(admin) if r.rule.pk == rule.pk]
        text = " ".join(str(c) for c in row.conditions)
    assert "0,70" in text and "0,50" in text and "0.7" not in text
