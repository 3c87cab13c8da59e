"""Template filters for the quality pages: agreement figures and scores in words."""

from __future__ import annotations

from django import template

from tactful.quality import presenters

register = template.Library()


@register.filter
def kappa(value: float | None) -> str:
    return presenters.kappa_label(value)


@register.filter
def percent(value: float | None) -> str:
    return presenters.percent_label(value)


@register.filter
def agreement_words(value: float | None) -> str:
    return presenters.agreement_words(value)


@register.filter
def agreement_level(value: float | None) -> str:
    return presenters.agreement_level(value)


@register.filter
def score(value: float | None) -> str:
    return presenters.score_label(value)


@register.filter
def rating(value: object, scale: str) -> str:
    return presenters.value_label(scale, value if isinstance(value, int) else None)


@register.filter
def get_item(mapping: object, key: object) -> object:
    """``mapping[key]`` in a template (``None`` when missing or not a mapping)."""
    return mapping.get(key) if isinstance(mapping, dict) else None
