"""The quality pages: who sees what, hostile input on every form, and query counts."""

from __future__ import annotations

import itertools
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from tactful.desk.testing import assert_same_query_count
from tactful.quality import calibration, services
from tactful.quality.models import (
    CalibrationRound,
    Criterion,
    Dispute,
    Rating,
    Review,
    ReviewAssignment,
    SamplingPlan,
    Scorecard,
    Source,
)
from tactful.quality.services import Grade
from tactful.tickets import services as ticket_services
from tactful.tickets.models import Status

pytestmark = pytest.mark.django_db

#: Query budgets for the pages and endpoints this app adds (raise only on purpose).
BUDGETS = {
    "home": 7,
    "mine": 3,
    "review": 6,
    "disputes": 5,
    "ticket_panel": 5,
    "scorecards": 6,
    "scorecard_edit": 6,
    "sampling": 9,
    "calibration": 8,
    "round": 12,
    "team": 11,
    "grade_get": 15,
    "grade_post": 21,
    "dispute_post": 9,
    "resolve_post": 10,
}

_numbers = itertools.count(1)


def client_for(agent) -> Client:
    client = Client()
    client.force_login(agent)
    return client


def grade_data(scorecard, reviewee, *, value: str = "4", **extra: Any) -> dict[str, Any]:
    data: dict[str, Any] = {"reviewee": reviewee.pk, "comment": "Clear next step."}
    for criterion in scorecard.criteria.filter(active=True):
        data[f"c{criterion.pk}"] = (
            "1" if criterion.scale == "binary" else ("na" if criterion.allow_na else value)
        )
    data.update(extra)
    return data


def answered(desk, crew, agent="emma", *, solved: bool = True):
    """A conversation the agent answered (no coach: fast, for volume)."""
    ticket = desk.ticket(team=crew["team"], subject=f"Question {next(_numbers)}")
    ticket_services.record_reply(
        ticket=ticket,
        agent=crew[agent],
        body="Done: refunded today; you will hear from me on Friday.",
    )
    if solved:
        ticket.refresh_from_db()
        ticket_services.change_status(ticket=ticket, status=Status.SOLVED, by=crew[agent])
    ticket.refresh_from_db()
    return ticket


def coach_review_for(ticket, scorecard, agent) -> Review:
    """A stored automatic review, as the coach's task writes it (without running the coach)."""
    review = Review.objects.create(
        ticket=ticket,
        scorecard=scorecard,
        source=Source.COACH,
        reviewee=agent,
        score=75.0,
        coach_version="test",
    )
    Rating.objects.bulk_create(
        [
            Rating(
                review=review,
                criterion=c,
                value=None if not c.coach_rubric else 4,
                score=None if not c.coach_rubric else 75.0,
                evidence=[
                    {
                        "message": 1,
                        "kind": "action",
                        "quote": "refunded",
                        "note": "",
                        "spans": [[6, 14]],
                        "positive": True,
                    }
                ],
            )
            for c in scorecard.criteria.filter(active=True)
        ]
    )
    return review


def human_review(
    ticket, scorecard, crew, reviewer="lena", agent="emma", value=4, **kwargs
) -> Review:
    grades = {
        c.pk: Grade(1 if c.scale == "binary" else (None if c.allow_na else value), comment="ok")
        for c in scorecard.criteria.filter(active=True)
    }
    return services.record_review(
        ticket=ticket,
        scorecard=scorecard,
        reviewer=crew[reviewer],
        reviewee=crew[agent],
        grades=grades,
        **kwargs,
    )


def grow_reviews(desk, crew, ace, n: int) -> list[Review]:
    made = []
    for _ in range(n):
        ticket = answered(desk, crew)
        coach_review_for(ticket, ace, crew["emma"])
        review = human_review(ticket, ace, crew)
        services.dispute_review(review=review, by=crew["emma"], reason="I disagree.")
        made.append(review)
    return made


# --- permissions ----------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["disputes", "scorecards", "scorecard_new", "sampling", "team"])
def test_lead_pages_refuse_agents(crew, name):
    assert client_for(crew["emma"]).get(reverse(f"quality:{name}")).status_code == 403


def test_an_agent_sees_their_reviews_but_not_others(crew, desk, ace):
    ticket = answered(desk, crew)
    mine = human_review(ticket, ace, crew)
    other_ticket = answered(desk, crew, "eric")
    theirs = human_review(other_ticket, ace, crew, agent="eric")
    emma = client_for(crew["emma"])
    page = emma.get(reverse("quality:mine")).content.decode()
    assert f'data-review="{mine.pk}"' in page and f'data-review="{theirs.pk}"' not in page
    assert emma.get(reverse("quality:review", args=[mine.pk])).status_code == 200
    assert emma.get(reverse("quality:review", args=[theirs.pk])).status_code == 404
    # An agent who is no reviewer cannot grade.
    assert emma.get(reverse("quality:grade", args=[other_ticket.pk])).status_code == 403
    # A lead of another team sees neither the ticket nor its reviews.
    olga = client_for(crew["olga"])
    assert olga.get(reverse("quality:review", args=[mine.pk])).status_code == 404
    assert olga.get(reverse("quality:grade", args=[ticket.pk])).status_code == 404
    assert olga.get(reverse("quality:ticket_panel", args=[ticket.pk])).status_code == 404


def test_the_ticket_page_loads_the_quality_section(crew, desk, ace):
    ticket = answered(desk, crew)
    page = client_for(crew["lena"]).get(reverse("inbox:ticket", args=[ticket.pk])).content.decode()
    assert reverse("quality:ticket_panel", args=[ticket.pk]) in page
    review = human_review(ticket, ace, crew)
    panel = (
        client_for(crew["lena"])
        .get(reverse("quality:ticket_panel", args=[ticket.pk]))
        .content.decode()
    )
    assert (
        reverse("quality:review", args=[review.pk]) in panel and "Grade this conversation" in panel
    )
    # The agent sees the review of their work, without the grading button.
    panel = (
        client_for(crew["emma"])
        .get(reverse("quality:ticket_panel", args=[ticket.pk]))
        .content.decode()
    )
    assert (
        reverse("quality:review", args=[review.pk]) in panel
        and "Grade this conversation" not in panel
    )


# --- grading ----------------------------------------------------------------------------------------


def test_a_lead_grades_through_the_form(crew, desk, ace):
    ticket = answered(desk, crew)
    url = reverse("quality:grade", args=[ticket.pk]) + f"?scorecard={ace.pk}"
    lena = client_for(crew["lena"])
    page = lena.get(url).content.decode()
    assert "Heard the customer" in page and "Correct and safe" in page
    response = lena.post(url, grade_data(ace, crew["emma"]))
    review = Review.objects.get(source=Source.HUMAN)
    assert response.status_code == 302 and response["Location"] == reverse(
        "quality:review", args=[review.pk]
    )
    assert review.reviewer == crew["lena"] and review.comment == "Clear next step."


def test_grading_one_reply_from_the_link(crew, desk, pce):
    ticket = answered(desk, crew)
    reply = ticket.messages.get(kind="out", author_agent__isnull=False)
    url = reverse("quality:grade", args=[ticket.pk]) + f"?scorecard={pce.pk}&message={reply.pk}"
    lena = client_for(crew["lena"])
    assert f'value="{reply.pk}" selected' in lena.get(url).content.decode()
    response = lena.post(
        url,
        grade_data(
            pce,
            crew["emma"],
            message=reply.pk,
            **{f"c{pce.criteria.first().pk}_comment": "Say which card."},
        ),
    )
    assert response.status_code == 302
    review = Review.objects.get(source=Source.HUMAN)
    assert review.message == reply
    assert review.ratings.get(criterion=pce.criteria.first()).comment == "Say which card."


@pytest.mark.parametrize(
    "tamper",
    [
        "value_off_scale",
        "value_text",
        "na_not_allowed",
        "missing_grade",
        "stranger_reviewee",
        "foreign_message",
        "huge_comment",
        "huge_rating_comment",
        "no_reviewee",
    ],
)
def test_hostile_grades_are_refused(crew, desk, ace, tamper):
    ticket = answered(desk, crew)
    other = answered(desk, crew, "eric")
    heard = Criterion.objects.get(scorecard=ace, name="Heard the customer")
    data = grade_data(ace, crew["emma"])
    if tamper == "value_off_scale":
        data[f"c{heard.pk}"] = "6"
    elif tamper == "value_text":
        data[f"c{heard.pk}"] = "<script>alert(1)</script>"
    elif tamper == "na_not_allowed":
        data[f"c{heard.pk}"] = "na"
    elif tamper == "missing_grade":
        del data[f"c{heard.pk}"]
    elif tamper == "stranger_reviewee":
        data["reviewee"] = crew["otto"].pk
    elif tamper == "foreign_message":
        data["message"] = other.messages.get(kind="out", author_agent__isnull=False).pk
    elif tamper == "huge_comment":
        data["comment"] = "x" * 5001
    elif tamper == "huge_rating_comment":
        data[f"c{heard.pk}_comment"] = "x" * 2001
    elif tamper == "no_reviewee":
        data["reviewee"] = "'; DROP TABLE quality_review; --"
    url = reverse("quality:grade", args=[ticket.pk]) + f"?scorecard={ace.pk}"
    response = client_for(crew["lena"]).post(url, data)
    assert response.status_code == 400
    assert "<script>alert(1)</script>" not in response.content.decode()
    assert not Review.objects.filter(source=Source.HUMAN).exists()


@pytest.mark.parametrize(
    "query",
    [
        "scorecard=abc",
        "scorecard=999999",
        "scorecard=-1",
        "message=999999",
        "round=999999",
        "override=999999",
        "scorecard=1" + "0" * 30,
    ],
)
def test_hostile_query_strings_are_not_found(crew, desk, ace, query):
    ticket = answered(desk, crew)
    response = client_for(crew["lena"]).get(
        reverse("quality:grade", args=[ticket.pk]) + "?" + query
    )
    assert response.status_code == 404


def test_only_the_coachs_review_can_be_overridden_from_the_form(crew, desk, ace):
    ticket = answered(desk, crew)
    human = human_review(ticket, ace, crew)
    lars = client_for(crew["lars"])
    assert (
        lars.get(reverse("quality:grade", args=[ticket.pk]) + f"?override={human.pk}").status_code
        == 404
    )
    automatic = coach_review_for(ticket, ace, crew["emma"])
    url = reverse("quality:grade", args=[ticket.pk]) + f"?override={automatic.pk}"
    page = lars.get(url).content.decode()
    heard = Criterion.objects.get(scorecard=ace, name="Heard the customer")
    assert (
        f'name="c{heard.pk}" value="4"' in page and "checked" in page
    )  # the coach's grades, filled in
    assert lars.post(url, grade_data(ace, crew["emma"], value="2")).status_code == 302
    assert Review.objects.get(overrides=automatic).reviewer == crew["lars"]
    assert lars.post(url, grade_data(ace, crew["emma"])).status_code == 400  # once


def test_grading_needs_the_csrf_token(crew, desk, ace):
    ticket = answered(desk, crew)
    client = Client(enforce_csrf_checks=True)
    client.force_login(crew["lena"])
    url = reverse("quality:grade", args=[ticket.pk]) + f"?scorecard={ace.pk}"
    assert client.post(url, grade_data(ace, crew["emma"])).status_code == 403


# --- disputes ---------------------------------------------------------------------------------------


def test_dispute_and_decide_through_the_pages(crew, desk, ace):
    review = human_review(answered(desk, crew), ace, crew, value=2)
    emma = client_for(crew["emma"])
    page = emma.get(reverse("quality:review", args=[review.pk])).content.decode()
    assert "Dispute this review" in page
    response = emma.post(
        reverse("quality:dispute", args=[review.pk]), {"reason": "I gave the date."}
    )
    assert response.status_code == 302
    dispute = Dispute.objects.get()
    lars = client_for(crew["lars"])
    assert "I gave the date." in lars.get(reverse("quality:disputes")).content.decode()
    response = lars.post(
        reverse("quality:resolve", args=[dispute.pk]),
        {"outcome": "upheld", "resolution": "Agreed."},
    )
    assert response.status_code == 302
    review.refresh_from_db()
    assert review.withdrawn


@pytest.mark.parametrize(
    ("who", "data", "status"),
    [
        ("emma", {"reason": ""}, 400),
        ("emma", {"reason": "x" * 3001}, 400),
        ("emma", {}, 400),
        ("eric", {"reason": "Unfair to Emma"}, 404),  # cannot even see it
        ("lars", {"reason": "I dispute for her"}, 403),  # sees it, but it is not his work
    ],
)
def test_hostile_disputes_are_refused(crew, desk, ace, who, data, status):
    review = human_review(answered(desk, crew), ace, crew)
    response = client_for(crew[who]).post(reverse("quality:dispute", args=[review.pk]), data)
    assert response.status_code == status
    assert not Dispute.objects.exists()


@pytest.mark.parametrize(
    ("who", "data", "status"),
    [
        ("lars", {"outcome": "maybe"}, 400),
        ("lars", {"outcome": "upheld", "resolution": "x" * 3001}, 400),
        ("emma", {"outcome": "upheld"}, 403),  # agents do not decide
        ("olga", {"outcome": "upheld"}, 404),  # another team's lead
    ],
)
def test_hostile_decisions_are_refused(crew, desk, ace, who, data, status):
    review = human_review(answered(desk, crew), ace, crew)
    dispute = services.dispute_review(review=review, by=crew["emma"], reason="No.")
    response = client_for(crew[who]).post(reverse("quality:resolve", args=[dispute.pk]), data)
    assert response.status_code == status
    dispute.refresh_from_db()
    assert dispute.status == "open"


# --- scorecards -------------------------------------------------------------------------------------


def scorecard_post(rows: list[dict[str, Any]], **fields: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "name": "Chat etiquette",
        "description": "",
        "team": "",
        "active": "on",
        "criteria-TOTAL_FORMS": str(len(rows)),
        "criteria-INITIAL_FORMS": "0",
        "criteria-MIN_NUM_FORMS": "0",
        "criteria-MAX_NUM_FORMS": "1000",
    }
    for i, row in enumerate(rows):
        for key, value in row.items():
            data[f"criteria-{i}-{key}"] = value
    data.update(fields)
    return data


GOOD_ROW = {
    "section": "Tone",
    "name": "Warm",
    "scale": "five",
    "weight": "2",
    "coach_rubric": "empathy",
}


def test_a_lead_creates_and_edits_a_scorecard(crew, ace):
    lena = client_for(crew["lena"])
    response = lena.post(
        reverse("quality:scorecard_new"),
        scorecard_post(
            [
                GOOD_ROW,
                {
                    "section": "Tone",
                    "name": "Safe",
                    "scale": "binary",
                    "weight": "1",
                    "critical": "on",
                },
            ]
        ),
    )
    assert response.status_code == 302
    card = Scorecard.objects.get(name="Chat etiquette")
    assert [(c.name, c.critical) for c in card.criteria.all()] == [("Warm", False), ("Safe", True)]
    page = lena.get(reverse("quality:scorecard_edit", args=[card.pk])).content.decode()
    assert 'value="Warm"' in page
    listing = lena.get(reverse("quality:scorecards")).content.decode()
    assert "Chat etiquette" in listing and "Does the coach grade like your reviewers?" in listing


@pytest.mark.parametrize(
    "tamper",
    [
        "too_many_forms",
        "negative_weight",
        "unknown_scale",
        "unknown_rubric",
        "no_name",
        "no_management_form",
        "foreign_team",
        "no_criteria",
        "huge_name",
    ],
)
def test_hostile_scorecards_are_refused(crew, tamper):
    rows = [dict(GOOD_ROW)]
    fields: dict[str, Any] = {}
    if tamper == "too_many_forms":
        rows = [dict(GOOD_ROW, name=f"c{i}") for i in range(41)]
    elif tamper == "negative_weight":
        rows[0]["weight"] = "-3"
    elif tamper == "unknown_scale":
        rows[0]["scale"] = "seven"
    elif tamper == "unknown_rubric":
        rows[0]["coach_rubric"] = "charisma"
    elif tamper == "no_name":
        fields["name"] = ""
    elif tamper == "foreign_team":
        fields["team"] = str(crew["other"].pk)
    elif tamper == "no_criteria":
        rows = []
    elif tamper == "huge_name":
        rows[0]["name"] = "x" * 101
    data = scorecard_post(rows, **fields)
    if tamper == "no_management_form":
        data = {k: v for k, v in data.items() if "FORMS" not in k}
    if tamper == "too_many_forms":
        data["criteria-TOTAL_FORMS"] = "100000"
    before = Scorecard.objects.count()
    response = client_for(crew["lena"]).post(reverse("quality:scorecard_new"), data)
    assert response.status_code == 400
    assert Scorecard.objects.count() == before


def test_restoring_the_defaults(crew, ace):
    Scorecard.objects.filter(pk=ace.pk).delete()
    response = client_for(crew["lena"]).post(reverse("quality:scorecard_restore"))
    assert response.status_code == 302
    assert Scorecard.objects.filter(default_key="awareness-clarity-empowerment").exists()
    assert client_for(crew["emma"]).post(reverse("quality:scorecard_restore")).status_code == 403


# --- sampling and calibration -------------------------------------------------------------------


def plan_post(team, card, people, **fields: Any) -> dict[str, Any]:
    prefix = f"team{team.pk}-"
    data = {
        prefix + "scorecard": card.pk,
        prefix + "share_percent": "20",
        prefix + "minimum_per_agent": "2",
        prefix + "hard_weight": "3",
        prefix + "reviewers": [r.pk for r in people],
        prefix + "active": "on",
    }
    data.update({prefix + k: v for k, v in fields.items()})
    return data


def test_a_lead_plans_and_draws_a_sample(crew, desk, ace):
    for _ in range(3):
        answered(desk, crew)
    lena = client_for(crew["lena"])
    team = crew["team"]
    response = lena.post(
        reverse("quality:sampling_save", args=[team.pk]),
        plan_post(team, ace, [crew["lena"], crew["lars"]]),
    )
    assert response.status_code == 302
    plan = SamplingPlan.objects.get(team=team)
    assert set(plan.reviewers.all()) == {crew["lena"], crew["lars"]}
    response = lena.post(reverse("quality:sampling_draw", args=[team.pk]))
    assert response.status_code == 302
    assert ReviewAssignment.objects.count() == 2
    page = lena.get(reverse("quality:sampling")).content.decode()
    assert "Question" in page
    # The reviewer finds them in their queue.
    queue = client_for(crew["lars"]).get(reverse("quality:home")).content.decode()
    lena_queue = lena.get(reverse("quality:home")).content.decode()
    assert queue.count('class="todo"') + lena_queue.count('class="todo"') == 2


@pytest.mark.parametrize(
    ("who", "fields", "team_key"),
    [
        ("lena", {"share_percent": "0"}, "team"),
        ("lena", {"share_percent": "1000"}, "team"),
        ("lena", {"hard_weight": "-1"}, "team"),
        ("lena", {"minimum_per_agent": "51"}, "team"),
        ("lena", {"reviewers": ["999999"]}, "team"),
        ("lena", {"reviewers": "otto"}, "team"),  # an agent of another team
        ("lena", {"scorecard": "abc"}, "team"),
        ("lena", {}, "other"),  # not her team
        ("emma", {}, "team"),  # not a lead
    ],
)
def test_hostile_plans_are_refused(crew, ace, who, fields, team_key):
    team = crew[team_key]
    if fields.get("reviewers") == "otto":
        fields = {"reviewers": [crew["otto"].pk]}
    data = plan_post(team, ace, [crew["lars"]], **fields)
    response = client_for(crew[who]).post(reverse("quality:sampling_save", args=[team.pk]), data)
    assert response.status_code in {302, 403}
    assert not SamplingPlan.objects.exists()


@pytest.mark.parametrize(
    ("who", "team_key", "status"), [("emma", "team", 403), ("lena", "other", 403)]
)
def test_only_the_teams_lead_draws_its_sample(crew, ace, who, team_key, status):
    plan = SamplingPlan.objects.create(team=crew[team_key], scorecard=ace)
    plan.reviewers.add(crew["lars"])
    response = client_for(crew[who]).post(
        reverse("quality:sampling_draw", args=[crew[team_key].pk])
    )
    assert response.status_code == status
    assert not ReviewAssignment.objects.exists()


def test_drawing_a_garbled_week_draws_this_one(crew, desk, ace):
    answered(desk, crew)
    plan = SamplingPlan.objects.create(team=crew["team"], scorecard=ace)
    plan.reviewers.add(crew["lars"])
    url = reverse("quality:sampling_draw", args=[crew["team"].pk])
    for week in ("2026-02-30", "'; DROP TABLE x; --", "9" * 400):
        assert client_for(crew["lena"]).post(url, {"week": week}).status_code == 302
    assert ReviewAssignment.objects.count() == 1


def test_deleting_a_scorecard_needs_its_lead(crew):
    card = services.save_scorecard(
        by=crew["olga"],
        scorecard=None,
        spec=services.ScorecardSpec(
            name="Sales only",
            team=crew["other"],
            criteria=[services.CriterionSpec(section="A", name="x")],
        ),
    )
    assert (
        client_for(crew["emma"])
        .post(reverse("quality:scorecard_delete", args=[card.pk]))
        .status_code
        == 403
    )
    client_for(crew["lena"]).post(reverse("quality:scorecard_delete", args=[card.pk]))
    assert Scorecard.objects.filter(pk=card.pk).exists()
    client_for(crew["olga"]).post(reverse("quality:scorecard_delete", args=[card.pk]))
    assert not Scorecard.objects.filter(pk=card.pk).exists()


def test_grading_in_a_round_is_for_its_reviewers_and_its_conversations(crew, desk, pce):
    inside, outside = answered(desk, crew), answered(desk, crew)
    round = calibration.create_round(
        by=crew["lena"],
        name="R",
        scorecard=pce,
        tickets=[inside],
        reviewers=[crew["lena"], crew["lars"]],
    )
    url = reverse("quality:grade", args=[inside.pk]) + f"?round={round.pk}"
    assert client_for(crew["admin"]).get(url).status_code == 403
    assert client_for(crew["lena"]).get(url).status_code == 200
    other = reverse("quality:grade", args=[outside.pk]) + f"?round={round.pk}"
    assert client_for(crew["lena"]).get(other).status_code == 404


def test_a_garbled_week_shows_this_week(crew):
    for week in ("2026-13-45", "x" * 500, "<b>"):
        assert (
            client_for(crew["lena"]).get(reverse("quality:sampling") + "?week=" + week).status_code
            == 200
        )


def test_a_lead_starts_a_calibration_round_from_the_page(crew, desk, pce):
    tickets = [answered(desk, crew) for _ in range(2)]
    lena = client_for(crew["lena"])
    data = {
        "name": "December",
        "scorecard": pce.pk,
        "tickets": [t.pk for t in tickets],
        "reviewers": [crew["lena"].pk, crew["lars"].pk],
    }
    response = lena.post(reverse("quality:calibration"), data)
    round = CalibrationRound.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse(
        "quality:round", args=[round.pk]
    )
    page = lena.get(reverse("quality:round", args=[round.pk])).content.decode()
    assert "Your turn" in page and page.count("?round=") == 2
    # Grading in the round hides the coach's grades.
    grade_page = lena.get(
        reverse("quality:grade", args=[tickets[0].pk]) + f"?round={round.pk}"
    ).content.decode()
    assert "qa-coach-hint" not in grade_page
    response = lena.post(
        reverse("quality:grade", args=[tickets[0].pk]) + f"?round={round.pk}",
        grade_data(pce, crew["emma"]),
    )
    assert response.status_code == 302 and response["Location"] == reverse(
        "quality:round", args=[round.pk]
    )
    # Someone outside the round may not grade in it.
    assert (
        client_for(crew["admin"])
        .post(
            reverse("quality:grade", args=[tickets[0].pk]) + f"?round={round.pk}",
            grade_data(pce, crew["emma"]),
        )
        .status_code
        == 403
    )


@pytest.mark.parametrize(
    "tamper", ["foreign_ticket", "one_reviewer", "agent", "no_tickets", "unknown_scorecard"]
)
def test_hostile_rounds_are_refused(crew, desk, converse, pce, tamper):
    mine = answered(desk, crew)
    data: dict[str, Any] = {
        "name": "R",
        "scorecard": pce.pk,
        "tickets": [mine.pk],
        "reviewers": [crew["lena"].pk, crew["lars"].pk],
    }
    who = "lena"
    if tamper == "foreign_ticket":
        data["tickets"] = [converse(crew["other"], crew["otto"])[0].pk]
    elif tamper == "one_reviewer":
        data["reviewers"] = [crew["lena"].pk]
    elif tamper == "agent":
        who = "emma"
        plan = SamplingPlan.objects.create(team=crew["team"], scorecard=pce)
        plan.reviewers.add(crew["emma"])  # a reviewer, but not a lead
    elif tamper == "no_tickets":
        data["tickets"] = []
    elif tamper == "unknown_scorecard":
        data["scorecard"] = "999999"
    response = client_for(crew[who]).post(reverse("quality:calibration"), data)
    assert response.status_code in {400, 403}
    assert not CalibrationRound.objects.exists()


# --- query counts -----------------------------------------------------------------------------


@pytest.fixture
def volume(crew, desk, ace, pce) -> dict[str, Any]:
    """Reviews, disputes, a sampling plan with draws and a calibration round, and ``grow``."""
    reviews = grow_reviews(desk, crew, ace, 2)
    plan = SamplingPlan.objects.create(team=crew["team"], scorecard=ace)
    plan.reviewers.set([crew["lena"], crew["lars"]])
    tickets = [r.ticket for r in reviews]
    round = calibration.create_round(
        by=crew["lena"],
        name="R",
        scorecard=ace,
        tickets=tickets,
        reviewers=[crew["lena"], crew["lars"]],
    )
    for ticket in tickets:
        human_review(ticket, ace, crew, round=round)

    def grow() -> None:
        more = grow_reviews(desk, crew, ace, 6)
        for ticket in [r.ticket for r in more]:
            answered(desk, crew)
            ReviewAssignment.objects.create(
                plan=plan,
                week=reviews[0].created_at.date(),
                ticket=ticket,
                reviewee=crew["emma"],
                reviewer=crew["lena"],
            )
            human_review(ticket, pce, crew, reviewer="lars")
        round.tickets.add(*[r.ticket for r in more])
        for review in more:
            human_review(review.ticket, ace, crew, round=round)
            human_review(review.ticket, ace, crew, reviewer="lars", round=round)
        services.save_scorecard(
            by=crew["lena"],
            scorecard=None,
            spec=services.ScorecardSpec(
                name=f"Extra {next(_numbers)}",
                criteria=[services.CriterionSpec(section="A", name="x")],
            ),
        )

    return {"reviews": reviews, "round": round, "grow": grow, "ticket": tickets[0]}


@pytest.mark.parametrize(
    ("name", "who"),
    [
        ("home", "lena"),
        ("mine", "emma"),
        ("disputes", "lena"),
        ("scorecards", "lena"),
        ("sampling", "lena"),
        ("calibration", "lena"),
        ("team", "lena"),
    ],
)
def test_list_pages_make_the_same_queries_at_any_size(crew, volume, name, who):
    client = client_for(crew[who])
    count = assert_same_query_count(lambda: client.get(reverse(f"quality:{name}")), volume["grow"])
    assert count <= BUDGETS[name], count


def test_object_pages_make_the_same_queries_at_any_size(crew, volume, ace):
    client = client_for(crew["lena"])
    review = volume["reviews"][0]
    ticket = volume["ticket"]
    pages = {
        "review": reverse("quality:review", args=[review.pk]),
        "ticket_panel": reverse("quality:ticket_panel", args=[ticket.pk]),
        "round": reverse("quality:round", args=[volume["round"].pk]),
        "scorecard_edit": reverse("quality:scorecard_edit", args=[ace.pk]),
        "grade_get": reverse("quality:grade", args=[ticket.pk]) + f"?scorecard={ace.pk}",
    }
    for name, url in pages.items():
        count = assert_same_query_count(lambda url=url: client.get(url), volume["grow"])
        assert count <= BUDGETS[name], (name, count)


def test_posting_makes_the_same_queries_at_any_size(crew, desk, volume, ace):
    lena = client_for(crew["lena"])
    fresh = iter([answered(desk, crew) for _ in range(3)])
    count = assert_same_query_count(
        lambda: lena.post(
            reverse("quality:grade", args=[next(fresh).pk]) + f"?scorecard={ace.pk}",
            grade_data(ace, crew["emma"]),
        ),
        volume["grow"],
        status=302,
    )
    assert count <= BUDGETS["grade_post"], count
    targets = iter([human_review(answered(desk, crew), ace, crew) for _ in range(3)])
    emma = client_for(crew["emma"])
    count = assert_same_query_count(
        lambda: emma.post(reverse("quality:dispute", args=[next(targets).pk]), {"reason": "No."}),
        volume["grow"],
        status=302,
    )
    assert count <= BUDGETS["dispute_post"], count
    disputes = iter(list(Dispute.objects.filter(status="open").order_by("id")[:3]))
    lars = client_for(crew["lars"])
    count = assert_same_query_count(
        lambda: lars.post(
            reverse("quality:resolve", args=[next(disputes).pk]), {"outcome": "rejected"}
        ),
        volume["grow"],
        status=302,
    )
    assert count <= BUDGETS["resolve_post"], count
