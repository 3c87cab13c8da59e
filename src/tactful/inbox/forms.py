"""Forms for the inbox and the ticket page; they validate, services act."""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.http import QueryDict
from django.utils.translation import gettext_lazy as _

from tactful.customers.models import Channel, Language
from tactful.sla.selectors import DueCursor
from tactful.tickets.models import Priority, Status
from tactful.tickets.selectors import DEFAULT_SORT, MAX_PAGE, PAGE_SIZES, TicketFilters
from tactful.tickets.services import MAX_BODY_CHARS, MAX_SUBJECT_CHARS

SORT_CHOICES = [
    ("-updated", _("Recently updated")),
    ("updated", _("Least recently updated")),
    ("-created", _("Newest")),
    ("created", _("Oldest")),
    ("-priority", _("Priority")),
    ("-intensity", _("Intensity")),
    # Provided by tactful.sla: tickets with a running target, the soonest deadline first.
    ("sla_due", _("Breaches soonest")),
]
SLA_CHOICES = [
    ("at_risk_or_breached", _("At risk or breached")),
    ("at_risk", _("At risk")),
    ("breached", _("Breached")),
    ("running", _("Any running target")),
]
#: The customer's latest satisfaction answer (tactful.satisfaction), as the inbox filters it.
CSAT_CHOICES = [
    ("", _("Any")),
    ("good", _("Rated good")),
    ("neutral", _("Rated neutral")),
    ("bad", _("Rated bad")),
    ("any", _("Rated")),
    ("none", _("Not rated")),
]
#: The most canned-response ids one reply records.
MAX_CANNED_IDS = 20
EMOTION_CHOICES = [
    ("anger", _("anger")),
    ("frustration", _("frustration")),
    ("sadness", _("sadness")),
    ("worry", _("worry")),
    ("confusion", _("confusion")),
    ("gratitude", _("gratitude")),
    ("neutral", _("neutral")),
]


def non_empty(data: QueryDict) -> QueryDict:
    """A copy of ``data`` without empty values (``?status=&channel=chat`` → ``?channel=chat``)."""
    cleaned = QueryDict(mutable=True)
    for key in data:
        values = [value for value in data.getlist(key) if value != ""]
        if values:
            cleaned.setlist(key, values)
    return cleaned


def _id_choice(value: str, *, allow_me: bool) -> str:
    if value in {"", "none"} or (allow_me and value == "me"):
        return value
    if value.isdigit() and len(value) < 12:
        return value
    raise ValidationError(_("Not a valid choice: %(value)s") % {"value": value[:20]})


def _cursor(token: str) -> DueCursor | None:
    if not token:
        return None
    try:
        return DueCursor.parse(token)
    except ValueError as error:
        raise ValidationError(_("This page link is damaged; start from the first page.")) from error


class InboxFilterForm(forms.Form):
    """The inbox's query string; anything invalid is refused with a message (400)."""

    status = forms.MultipleChoiceField(
        label=_("Status"), required=False, choices=[*Status.choices, ("all", _("Any status"))]
    )
    channel = forms.MultipleChoiceField(label=_("Channel"), required=False, choices=Channel.choices)
    team = forms.CharField(label=_("Team"), required=False, max_length=12)
    assignee = forms.CharField(label=_("Assignee"), required=False, max_length=12)
    priority = forms.TypedMultipleChoiceField(
        label=_("Priority"), required=False, choices=Priority.choices, coerce=int
    )
    language = forms.MultipleChoiceField(
        label=_("Language"), required=False, choices=Language.choices
    )
    emotion = forms.MultipleChoiceField(label=_("Emotion"), required=False, choices=EMOTION_CHOICES)
    intensity = forms.FloatField(
        label=_("Intensity at least"), required=False, min_value=0, max_value=1
    )
    abuse = forms.ChoiceField(
        label=_("Abuse or threat"),
        required=False,
        choices=[("", _("Any")), ("yes", _("Yes")), ("no", _("No"))],
    )
    #: Tickets held because their customer is blocked (leads only: the view drops it for
    #: agents, whom the block protects from reading them).
    held = forms.BooleanField(label=_("Blocked customers"), required=False)
    csat = forms.ChoiceField(
        label=_("Satisfaction"),
        required=False,
        choices=CSAT_CHOICES,
    )
    sla = forms.ChoiceField(label=_("SLA"), required=False, choices=SLA_CHOICES)
    q = forms.CharField(label=_("Search"), required=False, max_length=200, strip=True)
    sort = forms.ChoiceField(label=_("Sort"), required=False, choices=SORT_CHOICES)
    page = forms.IntegerField(required=False, min_value=1, max_value=MAX_PAGE)
    #: "Breaches soonest" pages seek from a row instead of counting rows to skip (keyset):
    #: the next page starts after the last row shown, the previous one ends before the first.
    after = forms.CharField(required=False, max_length=40)
    before = forms.CharField(required=False, max_length=40)
    size = forms.TypedChoiceField(
        label=_("Per page"),
        required=False,
        choices=[(n, n) for n in PAGE_SIZES],
        coerce=int,
        empty_value=PAGE_SIZES[0],
    )

    def __init__(self, data: QueryDict | None = None, **kwargs: Any) -> None:
        # The filter bar submits every select, chosen or not: an empty value means "any".
        super().__init__(non_empty(data) if data is not None else None, **kwargs)

    def clean_team(self) -> str:
        return _id_choice(self.cleaned_data.get("team", ""), allow_me=False)

    def clean_assignee(self) -> str:
        return _id_choice(self.cleaned_data.get("assignee", ""), allow_me=True)

    def clean_q(self) -> str:
        value: str = self.cleaned_data.get("q", "")
        if "\x00" in value:
            raise ValidationError(_("Search text may not contain NUL characters."))
        return value

    def clean_after(self) -> DueCursor | None:
        return _cursor(self.cleaned_data.get("after", ""))

    def clean_before(self) -> DueCursor | None:
        return _cursor(self.cleaned_data.get("before", ""))

    def clean(self) -> dict[str, Any]:
        data: dict[str, Any] = super().clean() or {}
        if data.get("after") and data.get("before"):
            raise ValidationError(_("A page starts after one ticket or ends before one, not both."))
        return data

    def filters(self) -> TicketFilters:
        data: dict[str, Any] = self.cleaned_data
        statuses = tuple(data.get("status") or ())
        abuse = {"yes": True, "no": False}.get(data.get("abuse") or "")
        return TicketFilters(
            statuses=tuple(s for s in statuses if s != "all"),
            all_statuses="all" in statuses,
            channels=tuple(data.get("channel") or ()),
            team=data.get("team") or "",
            assignee=data.get("assignee") or "",
            priorities=tuple(data.get("priority") or ()),
            languages=tuple(data.get("language") or ()),
            emotions=tuple(data.get("emotion") or ()),
            min_intensity=data.get("intensity"),
            abuse=abuse,
            held=bool(data.get("held")),
            q=data.get("q") or "",
            sort=data.get("sort") or DEFAULT_SORT,
            extra={"sla": data.get("sla") or ""},
        )


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput())
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> list[Any]:
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(item, initial) for item in data if item]
        return [single(data, initial)] if data else []


class ReplyForm(forms.Form):
    body = forms.CharField(
        label=_("Reply"), max_length=MAX_BODY_CHARS, widget=forms.Textarea(attrs={"rows": 6})
    )
    status = forms.ChoiceField(
        label=_("and set status"),
        required=False,
        choices=[
            ("", _("(keep)")),
            *[(v, label) for v, label in Status.choices if v != Status.NEW],
        ],
    )
    attachments = MultipleFileField(label=_("Attachments"))
    #: Canned responses the agent inserted (the picker fills this hidden input): kept with the
    #: reply so template use can be reported. Only metadata, so junk is dropped, not refused.
    canned_ids = forms.CharField(
        label=_("Canned responses"), required=False, max_length=2000, widget=forms.HiddenInput
    )

    def clean_canned_ids(self) -> list[int]:
        raw: str = self.cleaned_data.get("canned_ids") or ""
        ids = [int(part) for part in re.split(r"[\s,;]+", raw) if part.isascii() and part.isdigit()]
        return list(dict.fromkeys(i for i in ids if 0 < i < 2**62))[:MAX_CANNED_IDS]


class NoteForm(forms.Form):
    body = forms.CharField(
        label=_("Internal note"),
        max_length=MAX_BODY_CHARS,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    attachments = MultipleFileField(label=_("Attachments"))


class StatusForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), choices=Status.choices)


class PriorityForm(forms.Form):
    priority = forms.TypedChoiceField(label=_("Priority"), choices=Priority.choices, coerce=int)


class AssignForm(forms.Form):
    """``me``, ``none``, ``next`` (round-robin) or an agent id."""

    assignee = forms.CharField(label=_("Assignee"), max_length=12)

    def clean_assignee(self) -> str:
        value: str = self.cleaned_data["assignee"]
        if value in {"me", "none", "next"} or (value.isdigit() and len(value) < 12):
            return value
        raise ValidationError(_("Choose an agent."))


class TeamForm(forms.Form):
    team = forms.CharField(label=_("Team"), max_length=12, required=False)

    def clean_team(self) -> str:
        return _id_choice(self.cleaned_data.get("team", ""), allow_me=False)


class TagsForm(forms.Form):
    tags = forms.CharField(
        label=_("Tags"), required=False, max_length=1200, help_text=_("Separate tags with commas.")
    )

    def names(self) -> list[str]:
        return [name for name in self.cleaned_data.get("tags", "").split(",") if name.strip()]


class MergeForm(forms.Form):
    target = forms.IntegerField(label=_("Merge into ticket #"), min_value=1, max_value=2**62)


class SubjectForm(forms.Form):
    subject = forms.CharField(label=_("Subject"), max_length=MAX_SUBJECT_CHARS)


class SavedViewForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=80)
    query = forms.CharField(required=False, max_length=1000)
    share = forms.BooleanField(label=_("Share with my team"), required=False)


class LanguageForm(forms.Form):
    language = forms.ChoiceField(choices=[("en", "English"), ("es", "Español"), ("ru", "Русский")])


class NewTicketForm(forms.Form):
    """An agent logs a conversation that arrived elsewhere (phone, video call, social…)."""

    channel = forms.ChoiceField(label=_("Channel"), choices=Channel.choices, initial=Channel.PHONE)
    customer_name = forms.CharField(label=_("Customer name"), max_length=200, required=False)
    customer_handle = forms.CharField(
        label=_("E-mail, phone or handle"), max_length=255, help_text=_("How to reach them there.")
    )
    #: Any language tag is accepted; outside en/es/ru it is stored as ``und``.
    language = forms.CharField(
        label=_("Language"),
        required=False,
        max_length=35,
        widget=forms.Select(choices=[("", _("Detect")), *Language.choices]),
    )
    subject = forms.CharField(label=_("Subject"), max_length=MAX_SUBJECT_CHARS, required=False)
    body = forms.CharField(
        label=_("What the customer said"),
        max_length=MAX_BODY_CHARS,
        widget=forms.Textarea(attrs={"rows": 6}),
    )
    priority = forms.TypedChoiceField(
        label=_("Priority"), choices=Priority.choices, coerce=int, initial=Priority.NORMAL
    )
    team = forms.CharField(label=_("Team"), max_length=12, required=False)
    attachments = MultipleFileField(label=_("Attachments"))

    def clean_team(self) -> str:
        return _id_choice(self.cleaned_data.get("team", ""), allow_me=False)


class TicketNumbersField(forms.Field):
    """Ticket numbers sent as repeated values (the inbox's checkboxes)."""

    widget = forms.MultipleHiddenInput

    def to_python(self, value: Any) -> list[int]:
        values = value if isinstance(value, list | tuple) else [value] if value else []
        numbers = []
        for raw in values:
            text = str(raw).strip().lstrip("#")
            if not (text.isascii() and text.isdigit() and 0 < len(text) < 12):
                raise ValidationError(
                    _("Not a ticket number: %(value)s") % {"value": str(raw)[:20]}
                )
            numbers.append(int(text))
        return list(dict.fromkeys(numbers))


class BulkActionForm(forms.Form):
    """The inbox's selection bar: which tickets, and ``action:value`` (``status:solved``)."""

    tickets = TicketNumbersField(label=_("Tickets"))
    action = forms.CharField(label=_("Action"), max_length=40)
    tags = forms.CharField(label=_("Tags"), required=False, max_length=1200)
    next = forms.CharField(required=False, max_length=1000)

    def clean_tickets(self) -> list[int]:
        numbers: list[int] = self.cleaned_data.get("tickets") or []
        if not numbers:
            raise ValidationError(_("Select at least one ticket."))
        return numbers

    def clean_action(self) -> tuple[str, str]:
        raw: str = self.cleaned_data["action"]
        action, _sep, value = raw.partition(":")
        return action, value

    def tag_names(self) -> list[str]:
        return [name for name in self.cleaned_data.get("tags", "").split(",") if name.strip()]


class MyWorkForm(forms.Form):
    """What an agent says about their own work: the languages they answer, whether they are in."""

    answers_languages = forms.MultipleChoiceField(
        label=_("I answer customers in"),
        required=False,
        choices=[(code, label) for code, label in Language.choices if code != Language.UND],
        widget=forms.CheckboxSelectMultiple,
        help_text=_("New tickets in these languages come to you; tick none to take any."),
    )
    available = forms.TypedChoiceField(
        label=_("New tickets"),
        choices=[("yes", _("I'm in: give me new tickets")), ("no", _("I'm away: skip me"))],
        coerce=lambda value: value == "yes",
        widget=forms.RadioSelect,
    )
