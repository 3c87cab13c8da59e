"""The safe variable renderer for canned responses: ``{{ dotted.name }}`` from an allow-list only.

Not Django or Jinja templates on purpose: a template written by a team lead must never reach
settings, call a method, read an attribute (``__class__``, ``delete``, ``_meta``) or loop. Every
value is computed up front into a plain ``dict`` of strings (:class:`VariableContext`); rendering
is one regular-expression substitution that looks names up in that dict and nothing else.
A variable without a value stays in the text as ``{{ name }}`` so the agent must fill it in
(the tickets service refuses to send a reply that still contains one).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

#: Longest body a template variant may have (characters).
MAX_BODY_CHARS = 5000
#: Longest value a variable may insert; longer values are cut (a subject or custom field).
MAX_VALUE_CHARS = 300

#: The fixed variables; ``ticket.custom.<key>`` adds the ticket's custom fields.
ALLOWED_VARIABLES: tuple[str, ...] = (
    "customer.first_name",
    "customer.name",
    "agent.first_name",
    "agent.name",
    "ticket.number",
    "ticket.subject",
)
CUSTOM_PREFIX = "ticket.custom."
#: A custom field key: ASCII letters, digits, ``_`` and ``-``, not starting with ``_`` (so no
#: ``__dict__``-looking names even though nothing would ever be looked up on an object).
CUSTOM_KEY = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,63}")

#: ``{{ anything-without-braces }}``; what is inside is only ever used as a dictionary key.
VARIABLE = re.compile(r"\{\{\s*([^{}]*?)\s*\}\}")
_TAG_SYNTAX = re.compile(r"\{%|%\}|\{#|#\}")
#: Left over once every variable is replaced by a marker: ``{{``, ``}}`` or a brace touching a
#: variable (``{{{ name }}}``) means unbalanced or nested braces.
_MARKER = "\uffff"
_STRAY_BRACES = re.compile(r"\{\{|\}\}|\{" + _MARKER + "|" + _MARKER + r"\}")


def placeholder(name: str) -> str:
    """How an unfilled variable looks in the text the agent edits."""
    return "{{ " + name + " }}"


def is_allowed(name: str) -> bool:
    """Whether ``name`` is a variable templates may use (a fixed one or a custom field)."""
    if name in ALLOWED_VARIABLES:
        return True
    if name.startswith(CUSTOM_PREFIX):
        return CUSTOM_KEY.fullmatch(name[len(CUSTOM_PREFIX) :]) is not None
    return False


@dataclass(frozen=True, slots=True)
class VariableContext:
    """The values a template may use, as plain strings computed before rendering.

    Build it with :meth:`from_values`, which drops anything not on the allow-list, anything
    empty and anything that itself looks like template syntax.
    """

    values: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))

    @classmethod
    def from_values(cls, values: Mapping[str, object]) -> VariableContext:
        clean: dict[str, str] = {}
        for name, value in values.items():
            if not isinstance(name, str) or not is_allowed(name):
                continue
            text = _value_text(value)
            if text:
                clean[name] = text
        return cls(MappingProxyType(clean))


def _value_text(value: object) -> str:
    # Only plain scalars become text; bool is an int but "True" in a reply is never meant.
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        return ""
    text = " ".join(str(value).split())[:MAX_VALUE_CHARS]
    # A value that contains template syntax (a hostile customer name) is not inserted: the
    # variable stays for the agent to fill in, and nothing in the value is ever re-scanned.
    if "{{" in text or "}}" in text or _TAG_SYNTAX.search(text):
        return ""
    return text


@dataclass(frozen=True, slots=True)
class Rendered:
    """A rendered template: the text, and the variables still waiting for a value."""

    text: str
    unfilled: tuple[str, ...]


def render(template: str, context: VariableContext) -> Rendered:
    """Fill ``template``'s variables from ``context``; never evaluates anything.

    Args:
        template: the variant body (need not be valid: unknown names simply stay as they are).
        context: the allowed values.

    Returns:
        :class:`Rendered`; unknown or empty variables stay as ``{{ name }}`` and are listed,
        in order of first appearance, in ``unfilled``.
    """
    if not isinstance(template, str):
        raise TypeError("template must be a string")
    unfilled: dict[str, None] = {}

    def substitute(match: re.Match[str]) -> str:
        name = match.group(1)
        value = context.values.get(name) if is_allowed(name) else None
        if value:
            return value
        unfilled.setdefault(name, None)
        return placeholder(name)

    return Rendered(VARIABLE.sub(substitute, template), tuple(unfilled))


def template_problems(body: str) -> list[str]:
    """Everything wrong with a template body, as sentences for the person editing it."""
    problems: list[str] = []
    if len(body) > MAX_BODY_CHARS:
        problems.append(
            _("The text is %(count)d characters long; the limit is %(limit)d.")
            % {"count": len(body), "limit": MAX_BODY_CHARS}
        )
    if "\x00" in body:
        problems.append(_("The text contains a NUL character."))
    tags = sorted({m.group(0) for m in _TAG_SYNTAX.finditer(body)})
    if tags:
        problems.append(
            _("Template tags and comments are not allowed: %(found)s") % {"found": " ".join(tags)}
        )
    names = [m.group(1) for m in VARIABLE.finditer(body)]
    unknown = sorted({name for name in names if not is_allowed(name)})
    if unknown:
        problems.append(
            ngettext(
                "Unknown variable: %(names)s. Use one of: %(allowed)s.",
                "Unknown variables: %(names)s. Use one of: %(allowed)s.",
                len(unknown),
            )
            % {
                "names": ", ".join(placeholder(name[:60]) for name in unknown[:10]),
                "allowed": ", ".join(
                    placeholder(n) for n in (*ALLOWED_VARIABLES, CUSTOM_PREFIX + "KEY")
                ),
            }
        )
    # Braces left over once every {{ … }} is taken out are unbalanced or nested.
    if _STRAY_BRACES.search(VARIABLE.sub(_MARKER, body)):
        problems.append(
            _("Unbalanced or nested braces: write variables as {{ customer.first_name }}.")
        )
    return problems


def validate_template(body: str) -> None:
    """Raise ``ValidationError`` listing every problem with ``body`` (see template_problems)."""
    problems = template_problems(body)
    if problems:
        raise ValidationError(problems)


def variables_in(body: str) -> tuple[str, ...]:
    """The variable names a body uses, in order of first appearance."""
    return tuple(dict.fromkeys(m.group(1) for m in VARIABLE.finditer(body)))
