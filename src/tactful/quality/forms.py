"""Forms for the quality pages: grading, disputes, scorecards, sampling plans, calibration."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.formats import date_format
from django.utils.timezone import localtime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tactful.accounts.models import Agent, Team
from tactful.quality import presenters
from tactful.quality.models import CoachRubric, Criterion, SamplingPlan, ScaleChoice, Scorecard
from tactful.quality.services import MAX_CRITERIA, MAX_WEIGHT, CriterionSpec, Grade, ScorecardSpec
from tactful.tickets.models import Message, Ticket


class GradeForm(forms.Form):
    """A grade for every active criterion, with an optional comment on each and on the whole."""

    reviewee = forms.ModelChoiceField(
        queryset=Agent.objects.none(), label=gettext_lazy("Whose work")
    )
    message = forms.ModelChoiceField(
        queryset=Message.objects.none(),
        required=False,
        label=gettext_lazy("Grade"),
        empty_label=gettext_lazy("The whole conversation"),
    )
    comment = forms.CharField(
        label=gettext_lazy("Comment"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(
        self,
        *args: Any,
        criteria: Sequence[Criterion],
        repliers: Sequence[Agent],
        replies: Sequence[Message],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.criteria = list(criteria)
        reviewee_field: Any = self.fields["reviewee"]
        reviewee_field.queryset = Agent.objects.filter(pk__in=[a.pk for a in repliers])
        message_field: Any = self.fields["message"]
        message_field.queryset = Message.objects.filter(pk__in=[m.pk for m in replies])
        message_field.label_from_instance = lambda m: (
            _("Reply by %(agent)s, %(when)s")
            % {
                "agent": m.author_agent,
                "when": date_format(localtime(m.created_at), "SHORT_DATETIME_FORMAT"),
            }
        )
        for criterion in self.criteria:
            self.fields[f"c{criterion.pk}"] = forms.ChoiceField(
                label=criterion.name,
                choices=presenters.scale_options(criterion),
                widget=forms.RadioSelect,
            )
            self.fields[f"c{criterion.pk}_comment"] = forms.CharField(
                label=_("Comment on “%(name)s”") % {"name": criterion.name},
                required=False,
                max_length=2000,
            )

    def grades(self) -> dict[int, Grade]:
        grades = {}
        for criterion in self.criteria:
            raw = self.cleaned_data[f"c{criterion.pk}"]
            grades[criterion.pk] = Grade(
                value=None if raw == "na" else int(raw),
                comment=self.cleaned_data.get(f"c{criterion.pk}_comment", ""),
            )
        return grades

    def rows(self) -> list[tuple[str, list[tuple[Criterion, Any, Any]]]]:
        """The criteria by section, each with its rating and comment fields (for the template)."""
        return [
            (name, [(c, self[f"c{c.pk}"], self[f"c{c.pk}_comment"]) for c in criteria])
            for name, criteria in presenters.sections(self.criteria)
        ]


class DisputeForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Why do you disagree?"),
        max_length=3000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class ResolveForm(forms.Form):
    outcome = forms.ChoiceField(
        label=gettext_lazy("Decision"),
        choices=[
            ("rejected", gettext_lazy("The review stands")),
            ("upheld", gettext_lazy("Uphold the dispute: withdraw the review")),
        ],
        widget=forms.RadioSelect,
    )
    resolution = forms.CharField(
        label=gettext_lazy("Note to the agent"),
        required=False,
        max_length=3000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


# --- scorecards -------------------------------------------------------------------------------------


class ScorecardForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Name"), max_length=100)
    description = forms.CharField(
        label=gettext_lazy("Description"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    team = forms.ModelChoiceField(
        queryset=Team.objects.none(),
        required=False,
        label=gettext_lazy("Team"),
        empty_label=gettext_lazy("Every team"),
    )
    active = forms.BooleanField(label=gettext_lazy("Active"), required=False)

    def __init__(self, *args: Any, teams: QuerySet[Team], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        team_field: Any = self.fields["team"]
        team_field.queryset = teams


class CriterionForm(forms.Form):
    id = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)
    section = forms.CharField(label=gettext_lazy("Section"), max_length=100)
    name = forms.CharField(label=gettext_lazy("Criterion"), max_length=100)
    description = forms.CharField(
        label=gettext_lazy("What to look for"), required=False, max_length=1000
    )
    scale = forms.ChoiceField(label=gettext_lazy("Scale"), choices=ScaleChoice.choices)
    weight = forms.IntegerField(
        label=gettext_lazy("Weight"), min_value=1, max_value=MAX_WEIGHT, initial=1
    )
    allow_na = forms.BooleanField(label=gettext_lazy("N/A allowed"), required=False)
    critical = forms.BooleanField(label=gettext_lazy("Critical"), required=False)
    coach_rubric = forms.ChoiceField(
        label=gettext_lazy("The coach scores it as"), choices=CoachRubric.choices, required=False
    )


class BaseCriterionFormSet(forms.BaseFormSet):  # type: ignore[type-arg]
    def specs(self) -> list[CriterionSpec]:
        specs = []
        for form in self.forms:
            data = getattr(form, "cleaned_data", None)
            if not data or data.get("DELETE") or not data.get("name"):
                continue
            specs.append(
                CriterionSpec(
                    id=data.get("id"),
                    section=data["section"],
                    name=data["name"],
                    description=data.get("description", ""),
                    scale=data["scale"],
                    weight=data["weight"],
                    allow_na=bool(data.get("allow_na")),
                    critical=bool(data.get("critical")),
                    coach_rubric=data.get("coach_rubric") or "",
                )
            )
        return specs


CriterionFormSet = forms.formset_factory(
    CriterionForm,
    formset=BaseCriterionFormSet,
    extra=2,
    can_delete=True,
    max_num=MAX_CRITERIA,
    absolute_max=MAX_CRITERIA,
    validate_max=True,
)


def criterion_initial(criteria: Sequence[Criterion]) -> list[dict[str, Any]]:
    return [
        {
            "id": c.pk,
            "section": c.section.name,
            "name": c.name,
            "description": c.description,
            "scale": c.scale,
            "weight": c.weight,
            "allow_na": c.allow_na,
            "critical": c.critical,
            "coach_rubric": c.coach_rubric,
        }
        for c in criteria
    ]


def scorecard_spec(form: ScorecardForm, formset: BaseCriterionFormSet) -> ScorecardSpec:
    return ScorecardSpec(
        name=form.cleaned_data["name"],
        description=form.cleaned_data.get("description", ""),
        team=form.cleaned_data.get("team"),
        active=bool(form.cleaned_data.get("active")),
        criteria=formset.specs(),
    )


# --- sampling and calibration --------------------------------------------------------------------------


class SamplingPlanForm(forms.ModelForm):  # type: ignore[type-arg]
    class Meta:
        model = SamplingPlan
        fields = [
            "scorecard",
            "share_percent",
            "minimum_per_agent",
            "hard_weight",
            "reviewers",
            "active",
        ]
        widgets = {"reviewers": forms.CheckboxSelectMultiple}

    def __init__(
        self, *args: Any, scorecards: QuerySet[Scorecard], reviewers: QuerySet[Agent], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        fields: Any = self.fields
        fields["scorecard"].queryset = scorecards
        fields["reviewers"].queryset = reviewers
        fields["share_percent"].min_value = 1
        fields["share_percent"].max_value = 100
        fields["share_percent"].validators += [_range(1, 100)]
        fields["minimum_per_agent"].validators += [_range(0, 50)]
        fields["hard_weight"].validators += [_range(1, 20)]


def _range(low: int, high: int) -> Any:
    def check(value: int) -> None:
        if not low <= value <= high:
            raise forms.ValidationError(
                _("Between %(low)s and %(high)s.") % {"low": low, "high": high}
            )

    return check


class CalibrationForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Name"), max_length=100)
    scorecard = forms.ModelChoiceField(
        queryset=Scorecard.objects.none(), label=gettext_lazy("Scorecard")
    )
    tickets = forms.ModelMultipleChoiceField(
        queryset=Ticket.objects.none(),
        label=gettext_lazy("Conversations"),
        widget=forms.CheckboxSelectMultiple,
    )
    reviewers = forms.ModelMultipleChoiceField(
        queryset=Agent.objects.none(),
        label=gettext_lazy("Reviewers"),
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(
        self,
        *args: Any,
        scorecards: QuerySet[Scorecard],
        tickets: QuerySet[Ticket],
        reviewers: QuerySet[Agent],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        fields: Any = self.fields
        fields["scorecard"].queryset = scorecards
        fields["tickets"].queryset = tickets
        fields["tickets"].label_from_instance = lambda t: f"#{t.pk} {t.subject}"
        fields["reviewers"].queryset = reviewers
