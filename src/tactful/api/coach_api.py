"""The coach over HTTP: ``POST /api/v1/coach/review`` returns the same review as the live panel.

Other tools (a CRM's reply box, a chat widget, a QA script) post a draft and get the coach's
``ReplyReview`` as JSON: findings with spans into ``text``, the balance, the rubric scores.
With ``ticket`` the draft is judged against that ticket's newest customer message and the
customer's earlier replies, exactly as on the ticket page; a ticket the token's agent cannot see
is a 404.
"""

from __future__ import annotations

import logging
from typing import Any, Literal

from django.http import HttpRequest
from ninja import Field, Router, Schema
from ninja.errors import HttpError
from pydantic import StrictInt, StrictStr

from tactful.accounts.models import Agent
from tactful.api.schemas import answers
from tactful.coaching import draft_review, readings
from tactful.tickets import selectors
from tactful.tickets.models import Ticket

router = Router(tags=["coach"])
logger = logging.getLogger(__name__)


class ReviewIn(Schema):
    draft: StrictStr = Field(
        ...,
        max_length=draft_review.MAX_DRAFT_CHARS,
        description="The reply to review, plain text or HTML (at most 20,000 characters).",
    )
    ticket: StrictInt | None = Field(
        None,
        ge=1,
        le=2**62,
        description="Judge the draft against this ticket's newest customer message.",
    )
    customer_message: StrictStr | None = Field(
        None,
        max_length=readings.CUSTOMER_READ_CHARS,
        description="The customer's message, when there is no ticket (overrides the ticket's).",
    )
    language: Literal["en", "es", "ru"] | None = Field(
        None, description="Force the reply's language; by default the coach detects it."
    )


class FindingOut(Schema):
    kind: str = Field(..., description="A stable identifier, e.g. over_apology.")
    severity: Literal["info", "warning", "problem"]
    message: str = Field(..., description="What the coach noticed, in the reply's language.")
    spans: list[list[int]] = Field(..., description="[start, end) character ranges into text.")


class RubricOut(Schema):
    score: int = Field(..., ge=1, le=5)
    because: list[str] = Field(..., description="Finding kinds that pulled the score down.")


class RubricsOut(Schema):
    awareness: RubricOut
    clarity: RubricOut
    empowerment: RubricOut
    precision: RubricOut
    clarity_classic: RubricOut
    empathy: RubricOut


class SignalOut(Schema):
    present: bool
    spans: list[list[int]]


class MechanismOut(Schema):
    level: Literal["none", "weak", "strong"]
    score: float


class MechanismsOut(Schema):
    emotional_reaction: MechanismOut
    interpretation: MechanismOut
    exploration: MechanismOut


class ReviewOut(Schema):
    coach_version: str | None
    language: str = Field(..., description="The reply's language as the coach read it.")
    text: str = Field(..., description="The draft as the coach cleaned it; spans index into it.")
    balance: Literal["too_little", "balanced", "too_much"]
    balance_reason: str
    findings: list[FindingOut]
    rubric: RubricsOut
    suggestions: list[str] = Field(..., description="What to change, in the reply's language.")
    apology_count: int
    action: SignalOut
    next_step: SignalOut
    mechanisms: MechanismsOut


@router.post(
    "/review",
    response=answers(ReviewOut, 404, 503),
    summary="Review a draft reply",
)
def review(request: HttpRequest, payload: ReviewIn) -> dict[str, Any]:
    """The coach's review of ``draft``: the same JSON the ticket page's live panel renders and
    a sent reply stores."""
    agent: Agent = request.auth
    ticket: Ticket | None = None
    if payload.ticket is not None:
        # Raises Ticket.DoesNotExist for a ticket the agent may not see: a 404, not a 403.
        ticket = selectors.ticket_for_page(
            agent=agent, ticket_id=payload.ticket, with_assignee=False
        )
    try:
        data = draft_review.review_draft(
            draft=payload.draft,
            ticket=ticket,
            customer_message=payload.customer_message,
            language=payload.language,
        )
    except draft_review.DraftRejected as error:
        raise HttpError(422, str(error)) from error
    except Exception as error:  # a coach failure is the server's, not the caller's
        logger.exception("coach review failed for API caller %s", agent.pk)
        raise HttpError(503, "The coach is unavailable right now; try again later.") from error
    if data is None:
        raise HttpError(422, "The draft is empty: there is nothing to review.")
    return data
