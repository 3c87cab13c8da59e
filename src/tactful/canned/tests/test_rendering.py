"""The safe variable renderer: allow-listed names only, nothing is ever evaluated."""

from __future__ import annotations

import re

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given, settings
from hypothesis import strategies as st

from tactful.canned import rendering
from tactful.canned.rendering import VariableContext, render, template_problems, validate_template

CONTEXT = VariableContext.from_values(
    {
        "customer.first_name": "Ana",
        "customer.name": "Ana Pérez",
        "agent.first_name": "Sam",
        "agent.name": "Sam Lee",
        "ticket.number": 1042,
        "ticket.subject": "Charged twice",
        "ticket.custom.order_number": "A-77",
        "ticket.custom.amount": 12.5,
    }
)


def test_every_allowed_variable_is_filled():
    text = (
        "Hi {{ customer.first_name }} ({{customer.name}}), {{ agent.first_name }} / "
        "{{ agent.name }} on #{{ ticket.number }} «{{ ticket.subject }}» "
        "{{ ticket.custom.order_number }} {{ ticket.custom.amount }}"
    )
    result = render(text, CONTEXT)
    assert result.text == ("Hi Ana (Ana Pérez), Sam / Sam Lee on #1042 «Charged twice» A-77 12.5")
    assert result.unfilled == ()


def test_missing_value_stays_for_the_agent_to_fill():
    context = VariableContext.from_values({"customer.first_name": "", "ticket.number": 7})
    result = render("Hi {{customer.first_name}}, ticket {{ ticket.number }}.", context)
    assert result.text == "Hi {{ customer.first_name }}, ticket 7."
    assert result.unfilled == ("customer.first_name",)


@pytest.mark.parametrize(
    "template",
    [
        "{{ settings.SECRET_KEY }}",
        "{{ customer.__class__ }}",
        "{{ customer.__class__.__mro__ }}",
        "{{ ticket.delete }}",
        "{{ request }}",
        "{{ ticket.custom.__dict__ }}",
        "{{ ticket.customer.email }}",
        "{{ agent.password }}",
        "{{ customer.first_name|upper }}",
        "{{ customer.first_name() }}",
        "{{ ticket.custom._meta }}",
        "{{ ticket.custom.número }}",
    ],
)
def test_injection_attempts_are_left_as_text_and_reported(template, settings):
    settings.SECRET_KEY = "super-secret-value"
    context = VariableContext.from_values(
        {"ticket.custom.__dict__": "leak", "ticket.custom._meta": "leak", **CONTEXT.values}
    )
    result = render(template, context)
    name = template.strip("{} ")
    assert result.text == "{{ " + name + " }}"
    assert "super-secret-value" not in result.text and "leak" not in result.text
    assert result.unfilled == (name,)
    with pytest.raises(ValidationError) as caught:
        validate_template(template)
    assert name[:60] in " ".join(caught.value.messages)


@pytest.mark.parametrize(
    ("template", "expected"),
    [
        ("{% load static %}{% static 'x' %}", "Template tags"),
        ("{% for x in y %}{{ x }}{% endfor %}", "Template tags"),
        ("{# a comment #}", "Template tags"),
        ("Hi {{ customer.first_name }", "Unbalanced"),
        ("Hi {{ {{ customer.first_name }} }}", "Unbalanced"),
        ("}} oops {{", "Unbalanced"),
        ("{{{ customer.first_name }}}", "Unbalanced"),
        ("x" * (rendering.MAX_BODY_CHARS + 1), "characters long"),
        ("nul \x00 here", "NUL"),
    ],
)
def test_bad_syntax_is_rejected_with_a_clear_error(template, expected):
    problems = template_problems(template)
    assert any(expected in problem for problem in problems), problems


def test_tag_syntax_renders_as_plain_text_never_executed():
    result = render("{% load static %}{% now 'Y' %} {{ customer.first_name }}", CONTEXT)
    assert result.text == "{% load static %}{% now 'Y' %} Ana"


def test_valid_body_at_the_limit_passes():
    body = "Hi {{ customer.first_name }}. " + "a" * (rendering.MAX_BODY_CHARS - 30)
    assert len(body) <= rendering.MAX_BODY_CHARS
    validate_template(body)


def test_values_are_plain_text_and_never_rescanned():
    context = VariableContext.from_values(
        {
            "customer.first_name": "{{ settings.SECRET_KEY }}",
            "customer.name": "<script>alert(1)</script>",
            "ticket.subject": "{% load x %}",
        }
    )
    result = render("{{ customer.first_name }}|{{ customer.name }}|{{ ticket.subject }}", context)
    # Template syntax in a value is not inserted (the agent fills it), HTML is plain text that
    # the desk escapes when it renders the reply.
    assert result.text == (
        "{{ customer.first_name }}|<script>alert(1)</script>|{{ ticket.subject }}"
    )
    assert result.unfilled == ("customer.first_name", "ticket.subject")


def test_context_keeps_only_allowed_names_and_scalar_values():
    context = VariableContext.from_values(
        {
            "settings.SECRET_KEY": "x",
            "ticket.custom.ok": "yes",
            "ticket.custom.flag": True,
            "ticket.custom.nested": {"a": 1},
            "ticket.custom.list": [1, 2],
            "ticket.custom.none": None,
            "ticket.custom.__class__": "x",
            "ticket.custom.count": 3,
            "customer.name": "  Ana \n  Pérez ",
        }
    )
    assert dict(context.values) == {
        "ticket.custom.ok": "yes",
        "ticket.custom.count": "3",
        "customer.name": "Ana Pérez",
    }


def test_render_refuses_non_text():
    with pytest.raises(TypeError):
        render(b"{{ customer.name }}", CONTEXT)  # type: ignore[arg-type]


def test_huge_body_renders_quickly_without_backtracking():
    body = "{{ " * 20000 + "customer.first_name" + " }}" * 20000
    result = render(body, CONTEXT)
    assert "Ana" in result.text
    assert template_problems(body)


ALLOWED_VALUES = set(CONTEXT.values.values())
_TOKEN = st.sampled_from(
    [
        "{{",
        "}}",
        "{%",
        "%}",
        "{#",
        "#}",
        " ",
        ".",
        "customer.first_name",
        "ticket.custom.order_number",
        "ticket.custom.",
        "settings.SECRET_KEY",
        "__class__",
        "\n",
        "ñ",
        "Ж",
    ]
)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(_TOKEN, st.text(max_size=8)), max_size=40).map("".join))
def test_render_never_raises_and_inserts_only_allowed_values(template):
    result = render(template, CONTEXT)
    # Remove every allowed value from the output: what is left must come from the template.
    remainder = result.text
    for value in sorted(ALLOWED_VALUES, key=len, reverse=True):
        remainder = remainder.replace(value, "")
    for name in result.unfilled:
        remainder = remainder.replace("{{ " + name + " }}", "")
    template_chars = set(template) | set("{} ")
    assert set(remainder) <= template_chars
    assert isinstance(template_problems(template), list)


@settings(max_examples=200, deadline=None)
@given(st.dictionaries(st.text(max_size=30), st.one_of(st.text(), st.integers(), st.floats())))
def test_context_from_any_mapping_holds_only_allowed_names(values):
    context = VariableContext.from_values(values)
    assert all(rendering.is_allowed(name) for name in context.values)
    assert all(isinstance(v, str) and v and "{{" not in v for v in context.values.values())
    assert not any(re.search(r"\s{2}", v) for v in context.values.values())
