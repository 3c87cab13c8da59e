"""Template helpers: inert message bodies, coach badges."""

from __future__ import annotations

from django import template
from django.utils.formats import number_format
from django.utils.safestring import SafeString

from tactful.tickets import rendering
from tactful.tickets.presenters import emotion_label as _emotion_label

register = template.Library()


@register.filter
def render_body(body: str, *, plain: bool = False) -> SafeString:
    """See :func:`tactful.tickets.rendering.render_body`."""
    return rendering.render_body(body, plain=plain)


@register.filter
def emotion_label(name: str) -> str:
    return _emotion_label(name or "")


@register.filter
def percent(value: float | None) -> int:
    if value is None:
        return 0
    return max(0, min(100, round(float(value) * 100)))


@register.filter
def intensity_level(value: float | None) -> str:
    """low / medium / high, for the badge colour."""
    if value is None:
        return "none"
    if value >= 0.66:
        return "high"
    if value >= 0.33:
        return "medium"
    return "low"


@register.filter
def filesize(value: int) -> str:
    size = float(value or 0)
    for unit in ("B", "KB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{number_format(size, 1)} {unit}"
        size /= 1024
    return f"{number_format(size, 1)} GB"
