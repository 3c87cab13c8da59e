"""Every route of the URL conf × anonymous / API token / revoked token / agent of another team /
agent / lead / admin → the status each must get. A route missing from the table fails."""

from __future__ import annotations

import os

import pytest

from tactful.desk.tests.authorization import ROLES, build_world, fill, routes, status

pytestmark = pytest.mark.django_db

#: The expected status of each route for (anonymous, API token, revoked token, agent of another
#: team, agent, lead, admin), as the URL conf writes the route. Object ids are those of the
#: Billing world in authorization.py; ids it does not build are 999999, so at most a 404.
#: Reading guide: 302 for anonymous is the login page; an agent of Shipping gets 404 on every
#: Billing ticket (and its messages, attachment, panels); 403 is "your role may not"; 405 is a
#: GET on a POST-only route, whose POST row follows. API tokens act only on /api/v1/.
EXPECTED: dict[str, tuple[int, ...]] = {
    "GET ": (302, 302, 302, 302, 302, 302, 302),
    "GET health/": (200, 200, 200, 200, 200, 200, 200),
    "GET ready/": (200, 200, 200, 200, 200, 200, 200),
    "GET metrics": (403, 403, 403, 403, 403, 403, 403),
    "GET accounts/login/": (200, 200, 200, 302, 302, 302, 302),
    "GET accounts/logout/": (405, 405, 405, 405, 405, 405, 405),
    "GET login/": (302, 302, 302, 302, 302, 302, 302),
    "GET login": (302, 302, 302, 302, 302, 302, 302),
    "GET favicon.ico": (301, 301, 301, 301, 301, 301, 301),
    "GET security/": (302, 302, 302, 403, 403, 403, 200),
    "GET security/lockouts/<int:pk>/lift/": (302, 302, 302, 405, 405, 405, 405),
    "POST security/lockouts/<int:pk>/lift/": (302, 302, 302, 403, 403, 403, 404),
    # Every agent manages their own second factor; the code page only serves a session that
    # owes a code (the rest are sent on).
    "GET security/two-factor/": (302, 302, 302, 200, 200, 200, 200),
    "GET security/two-factor/verify/": (302, 302, 302, 302, 302, 302, 302),
    "GET api/v1/openapi.json": (200, 200, 200, 200, 200, 200, 200),
    "GET api/v1/docs": (200, 200, 200, 200, 200, 200, 200),
    "GET api/v1/me": (401, 200, 401, 200, 200, 200, 200),
    "GET api/v1/tickets": (401, 200, 401, 200, 200, 200, 200),
    "GET api/v1/tickets/<number>": (401, 200, 401, 404, 200, 200, 200),
    "GET api/v1/tickets/<number>/merge": (405, 405, 405, 405, 405, 405, 405),
    "POST api/v1/tickets/<number>/merge": (401, 400, 401, 400, 400, 400, 400),
    "GET api/v1/tickets/<number>/messages": (401, 200, 401, 404, 200, 200, 200),
    "GET api/v1/tickets/<number>/events": (401, 200, 401, 404, 200, 200, 200),
    "GET api/v1/customers": (401, 200, 401, 200, 200, 200, 200),
    "GET api/v1/customers/<customer_id>": (401, 200, 401, 200, 200, 200, 200),
    "GET api/v1/channels/<channel>/messages": (405, 405, 405, 405, 405, 405, 405),
    "POST api/v1/channels/<channel>/messages": (401, 400, 401, 400, 400, 400, 400),
    "GET api/v1/coach/review": (405, 405, 405, 405, 405, 405, 405),
    "POST api/v1/coach/review": (401, 400, 401, 400, 400, 400, 400),
    "GET api/v1/": (404, 404, 404, 404, 404, 404, 404),
    "GET inbox/": (302, 302, 302, 200, 200, 200, 200),
    "GET inbox/counts/": (302, 302, 302, 200, 200, 200, 200),
    "GET inbox/bulk/": (302, 302, 302, 405, 405, 405, 405),
    "POST inbox/bulk/": (302, 302, 302, 302, 302, 302, 302),
    "GET inbox/views/": (302, 302, 302, 405, 405, 405, 405),
    "POST inbox/views/": (302, 302, 302, 302, 302, 302, 302),
    "GET inbox/views/<int:view_id>/delete/": (302, 302, 302, 405, 405, 405, 405),
    "POST inbox/views/<int:view_id>/delete/": (302, 302, 302, 404, 302, 404, 404),
    "GET tickets/new/": (302, 302, 302, 200, 200, 200, 200),
    "GET tickets/<int:ticket_id>/": (302, 302, 302, 404, 200, 200, 200),
    "GET tickets/<int:ticket_id>/viewers/": (302, 302, 302, 404, 200, 200, 200),
    "GET tickets/<int:ticket_id>/reply/": (302, 302, 302, 405, 405, 405, 405),
    "POST tickets/<int:ticket_id>/reply/": (302, 302, 302, 404, 400, 400, 400),
    "GET tickets/<int:ticket_id>/note/": (302, 302, 302, 405, 405, 405, 405),
    "POST tickets/<int:ticket_id>/note/": (302, 302, 302, 404, 400, 400, 400),
    "GET tickets/<int:ticket_id>/status/": (302, 302, 302, 405, 405, 405, 405),
    "POST tickets/<int:ticket_id>/status/": (302, 302, 302, 404, 400, 400, 400),
    "GET tickets/<int:ticket_id>/priority/": (302, 302, 302, 405, 405, 405, 405),
    "POST tickets/<int:ticket_id>/priority/": (302, 302, 302, 404, 400, 400, 400),
    "GET tickets/<int:ticket_id>/assign/": (302, 302, 302, 405, 405, 405, 405),
    "POST tickets/<int:ticket_id>/assign/": (302, 302, 302, 404, 400, 400, 400),
    "GET tickets/<int:ticket_id>/team/": (302, 302, 302, 405, 405, 405, 405),
    "POST tickets/<int:ticket_id>/team/": (302, 302, 302, 404, 403, 302, 302),
    "GET tickets/<int:ticket_id>/tags/": (302, 302, 302, 405, 405, 405, 405),
    "POST tickets/<int:ticket_id>/tags/": (302, 302, 302, 404, 302, 302, 302),
    "GET tickets/<int:ticket_id>/subject/": (302, 302, 302, 405, 405, 405, 405),
    "POST tickets/<int:ticket_id>/subject/": (302, 302, 302, 404, 400, 400, 400),
    "GET tickets/<int:ticket_id>/merge/": (302, 302, 302, 405, 405, 405, 405),
    "POST tickets/<int:ticket_id>/merge/": (302, 302, 302, 404, 400, 400, 400),
    "GET tickets/<int:ticket_id>/messages/<int:message_id>/retry-analysis/": (
        302,
        302,
        302,
        405,
        405,
        405,
        405,
    ),
    "POST tickets/<int:ticket_id>/messages/<int:message_id>/retry-analysis/": (
        302,
        302,
        302,
        404,
        302,
        302,
        302,
    ),
    "GET attachments/<int:attachment_id>/": (302, 302, 302, 404, 200, 200, 200),
    "GET team-load/": (302, 302, 302, 403, 403, 200, 200),
    "GET team-load/<int:agent_id>/senior/": (302, 302, 302, 405, 405, 405, 405),
    "POST team-load/<int:agent_id>/senior/": (302, 302, 302, 403, 403, 302, 302),
    "GET me/language/": (302, 302, 302, 405, 405, 405, 405),
    "POST me/language/": (302, 302, 302, 400, 400, 400, 400),
    "GET me/": (302, 302, 302, 200, 200, 200, 200),
    "GET outbound/messages/<int:message_id>/resend/": (302, 302, 302, 405, 405, 405, 405),
    "POST outbound/messages/<int:message_id>/resend/": (302, 302, 302, 404, 302, 302, 302),
    "GET coach/tickets/<int:ticket_id>/panel/": (302, 302, 302, 404, 200, 200, 200),
    "GET coach/tickets/<int:ticket_id>/review/": (302, 302, 302, 405, 405, 405, 405),
    "POST coach/tickets/<int:ticket_id>/review/": (302, 302, 302, 404, 200, 200, 200),
    "GET coach/tickets/<int:ticket_id>/paraphrase/": (302, 302, 302, 404, 200, 200, 200),
    "GET mail/inbound/": (404, 404, 404, 404, 404, 404, 404),
    "GET mail/refused/<int:refused_id>/raw/": (302, 302, 302, 404, 404, 404, 404),
    "GET chat/widget.js": (200, 200, 200, 200, 200, 200, 200),
    "GET chat/try/<slug:slug>/": (200, 200, 200, 200, 200, 200, 200),
    "GET chat/embed/": (302, 302, 302, 200, 200, 200, 200),
    "GET contact/<slug:slug>/": (200, 200, 200, 200, 200, 200, 200),
    "GET contact/<slug:slug>/thanks/": (200, 200, 200, 200, 200, 200, 200),
    "GET canned/": (302, 302, 302, 200, 200, 200, 200),
    "GET canned/new/": (302, 302, 302, 403, 403, 200, 200),
    "GET canned/<int:response_id>/edit/": (302, 302, 302, 404, 403, 200, 200),
    "GET canned/<int:response_id>/delete/": (302, 302, 302, 405, 405, 405, 405),
    "POST canned/<int:response_id>/delete/": (302, 302, 302, 404, 403, 302, 404),
    "GET canned/<int:response_id>/copy/": (302, 302, 302, 405, 405, 405, 405),
    "POST canned/<int:response_id>/copy/": (302, 302, 302, 404, 404, 404, 404),
    "GET canned/tickets/<int:ticket_id>/suggestions/": (302, 302, 302, 404, 200, 200, 200),
    "GET canned/tickets/<int:ticket_id>/render/<int:variant_id>/": (
        302,
        302,
        302,
        404,
        404,
        404,
        404,
    ),
    "GET automation/rules/": (302, 302, 302, 403, 403, 200, 200),
    "GET automation/rules/new/": (302, 302, 302, 403, 403, 200, 200),
    "GET automation/rules/<int:rule_id>/": (302, 302, 302, 403, 403, 200, 200),
    "GET automation/rules/<int:rule_id>/toggle/": (302, 302, 302, 405, 405, 405, 405),
    "POST automation/rules/<int:rule_id>/toggle/": (302, 302, 302, 403, 403, 302, 302),
    "GET automation/rules/<int:rule_id>/move/": (302, 302, 302, 405, 405, 405, 405),
    "POST automation/rules/<int:rule_id>/move/": (302, 302, 302, 403, 403, 400, 400),
    "GET automation/rules/<int:rule_id>/delete/": (302, 302, 302, 405, 405, 405, 405),
    "POST automation/rules/<int:rule_id>/delete/": (302, 302, 302, 403, 403, 302, 404),
    "GET automation/notifications/": (302, 302, 302, 200, 200, 200, 200),
    "GET automation/notifications/count/": (302, 302, 302, 200, 200, 200, 200),
    "GET automation/notifications/read/": (302, 302, 302, 405, 405, 405, 405),
    "POST automation/notifications/read/": (302, 302, 302, 302, 302, 302, 302),
    "GET automation/notifications/<int:notification_id>/read/": (302, 302, 302, 405, 405, 405, 405),
    "POST automation/notifications/<int:notification_id>/read/": (
        302,
        302,
        302,
        404,
        302,
        404,
        404,
    ),
    "GET automation/team-loads/": (302, 302, 302, 403, 403, 200, 200),
    "GET automation/tickets/<int:ticket_id>/hand-over/": (302, 302, 302, 404, 200, 200, 200),
    "GET satisfaction/s/<str:token>/": (400, 400, 400, 400, 400, 400, 400),
    "GET satisfaction/s/<str:token>/answer/": (405, 405, 405, 405, 405, 405, 405),
    "POST satisfaction/s/<str:token>/answer/": (400, 400, 400, 400, 400, 400, 400),
    "GET satisfaction/": (302, 302, 302, 200, 200, 200, 200),
    "GET satisfaction/tickets/<int:ticket_id>/": (302, 302, 302, 404, 200, 200, 200),
    "GET satisfaction/reports/": (302, 302, 302, 200, 200, 200, 200),
    "GET satisfaction/reports/generate/": (302, 302, 302, 405, 405, 405, 405),
    "POST satisfaction/reports/generate/": (302, 302, 302, 302, 302, 302, 302),
    "GET satisfaction/reports/<int:report_id>/": (302, 302, 302, 404, 404, 404, 404),
    "GET satisfaction/reports/<int:report_id>/pdf/": (302, 302, 302, 404, 404, 404, 404),
    "GET satisfaction/teams/<int:team_id>/feed/": (302, 302, 302, 404, 200, 200, 200),
    "GET satisfaction/feed/<int:item_id>/hold/": (302, 302, 302, 405, 405, 405, 405),
    "POST satisfaction/feed/<int:item_id>/hold/": (302, 302, 302, 404, 404, 404, 404),
    "GET satisfaction/feed/<int:item_id>/release/": (302, 302, 302, 405, 405, 405, 405),
    "POST satisfaction/feed/<int:item_id>/release/": (302, 302, 302, 404, 404, 404, 404),
    "GET satisfaction/teams/<int:team_id>/settings/": (302, 302, 302, 403, 403, 200, 200),
    "GET quality/": (302, 302, 302, 200, 200, 200, 200),
    "GET quality/mine/": (302, 302, 302, 200, 200, 200, 200),
    "GET quality/reviews/<int:review_id>/": (302, 302, 302, 404, 404, 404, 404),
    "GET quality/reviews/<int:review_id>/dispute/": (302, 302, 302, 405, 405, 405, 405),
    "POST quality/reviews/<int:review_id>/dispute/": (302, 302, 302, 404, 404, 404, 404),
    "GET quality/disputes/": (302, 302, 302, 403, 403, 200, 200),
    "GET quality/disputes/<int:dispute_id>/resolve/": (302, 302, 302, 405, 405, 405, 405),
    "POST quality/disputes/<int:dispute_id>/resolve/": (302, 302, 302, 403, 403, 404, 404),
    "GET quality/tickets/<int:ticket_id>/grade/": (302, 302, 302, 404, 403, 200, 200),
    "GET quality/tickets/<int:ticket_id>/panel/": (302, 302, 302, 404, 200, 200, 200),
    "GET quality/scorecards/": (302, 302, 302, 403, 403, 200, 200),
    "GET quality/scorecards/new/": (302, 302, 302, 403, 403, 200, 200),
    "GET quality/scorecards/restore/": (302, 302, 302, 405, 405, 405, 405),
    "POST quality/scorecards/restore/": (302, 302, 302, 403, 403, 302, 302),
    "GET quality/scorecards/<int:scorecard_id>/": (302, 302, 302, 403, 403, 404, 404),
    "GET quality/scorecards/<int:scorecard_id>/delete/": (302, 302, 302, 405, 405, 405, 405),
    "POST quality/scorecards/<int:scorecard_id>/delete/": (302, 302, 302, 403, 403, 404, 404),
    "GET quality/sampling/": (302, 302, 302, 403, 403, 200, 200),
    "GET quality/sampling/<int:team_id>/": (302, 302, 302, 405, 405, 405, 405),
    "POST quality/sampling/<int:team_id>/": (302, 302, 302, 403, 403, 302, 302),
    "GET quality/sampling/<int:team_id>/draw/": (302, 302, 302, 405, 405, 405, 405),
    "POST quality/sampling/<int:team_id>/draw/": (302, 302, 302, 403, 403, 404, 404),
    "GET quality/calibration/": (302, 302, 302, 200, 200, 200, 200),
    "GET quality/calibration/<int:round_id>/": (302, 302, 302, 404, 404, 404, 404),
    "GET quality/team/": (302, 302, 302, 403, 403, 200, 200),
    "GET sla/policies/": (302, 302, 302, 403, 403, 200, 200),
    "GET sla/policies/new/": (302, 302, 302, 403, 403, 200, 200),
    "GET sla/policies/<int:policy_id>/": (302, 302, 302, 403, 403, 404, 404),
    "GET sla/policies/<int:policy_id>/delete/": (302, 302, 302, 405, 405, 405, 405),
    "POST sla/policies/<int:policy_id>/delete/": (302, 302, 302, 403, 403, 404, 404),
    "GET sla/hours/new/": (302, 302, 302, 403, 403, 200, 200),
    "GET sla/hours/<int:hours_id>/": (302, 302, 302, 403, 403, 404, 404),
    "GET sla/tickets/<int:ticket_id>/targets/": (302, 302, 302, 404, 200, 200, 200),
    "GET reports/": (302, 302, 302, 200, 200, 200, 200),
    "GET reports/export.csv": (302, 302, 302, 200, 200, 200, 200),
    "GET playbooks/": (302, 302, 302, 200, 200, 200, 200),
    "GET playbooks/new/": (302, 302, 302, 403, 403, 200, 200),
    "GET playbooks/preview/": (302, 302, 302, 405, 405, 405, 405),
    "POST playbooks/preview/": (302, 302, 302, 403, 403, 200, 200),
    "GET playbooks/<int:playbook_id>/edit/": (302, 302, 302, 404, 404, 404, 404),
    "GET playbooks/<int:playbook_id>/history/": (302, 302, 302, 404, 404, 404, 404),
    "GET playbooks/<int:playbook_id>/restore/<int:number>/": (302, 302, 302, 405, 405, 405, 405),
    "POST playbooks/<int:playbook_id>/restore/<int:number>/": (302, 302, 302, 404, 404, 404, 404),
    "GET playbooks/tickets/<int:ticket_id>/panel/": (302, 302, 302, 404, 200, 200, 200),
    "GET playbooks/tickets/<int:ticket_id>/<int:playbook_id>/check/": (
        302,
        302,
        302,
        405,
        405,
        405,
        405,
    ),
    "POST playbooks/tickets/<int:ticket_id>/<int:playbook_id>/check/": (
        302,
        302,
        302,
        404,
        404,
        404,
        404,
    ),
    "GET knowledge/": (302, 302, 302, 200, 200, 200, 200),
    "GET knowledge/new/": (302, 302, 302, 403, 403, 302, 302),
    "GET knowledge/preview/": (302, 302, 302, 405, 405, 405, 405),
    "POST knowledge/preview/": (302, 302, 302, 403, 403, 200, 200),
    "GET knowledge/categories/": (302, 302, 302, 200, 200, 200, 200),
    "GET knowledge/<int:article_id>/": (302, 302, 302, 404, 404, 404, 404),
    "GET knowledge/<int:article_id>/edit/": (302, 302, 302, 404, 404, 404, 404),
    "GET knowledge/<int:article_id>/delete/": (302, 302, 302, 405, 405, 405, 405),
    "POST knowledge/<int:article_id>/delete/": (302, 302, 302, 404, 404, 404, 404),
    "GET knowledge/tickets/<int:ticket_id>/suggestions/": (302, 302, 302, 404, 200, 200, 200),
    "GET help/": (200, 200, 200, 200, 200, 200, 200),
    "GET help/suggest/": (400, 400, 400, 400, 400, 400, 400),
    "GET help/suggest/<uuid:key>/answered/": (405, 405, 405, 405, 405, 405, 405),
    "POST help/suggest/<uuid:key>/answered/": (302, 302, 302, 302, 302, 302, 302),
    "GET help/suggest/<uuid:key>/wrote/": (405, 405, 405, 405, 405, 405, 405),
    "POST help/suggest/<uuid:key>/wrote/": (204, 204, 204, 204, 204, 204, 204),
    "GET help/a/<int:article_id>/": (404, 404, 404, 404, 404, 404, 404),
    "GET help/<slug:center>/": (200, 200, 200, 200, 200, 200, 200),
    "GET help/<slug:center>/a/<int:article_id>/": (404, 404, 404, 404, 404, 404, 404),
    # The customer page follows the tickets an agent can see; only leads and admins merge (the
    # undo of a merge that does not exist is a 404 for everyone). The portal is the customers'
    # own door: it answers everyone alike and sends anyone without a portal session to log in.
    "GET api/v1/teams": (401, 200, 401, 200, 200, 200, 200),
    "GET api/v1/teams/<team_id>": (401, 200, 401, 404, 200, 200, 200),
    "GET api/v1/agents": (401, 200, 401, 200, 200, 200, 200),
    "GET api/v1/agents/<agent_id>": (401, 200, 401, 404, 200, 200, 200),
    "GET customers/<int:customer_id>/": (302, 302, 302, 404, 200, 200, 200),
    "GET customers/<int:customer_id>/merge/": (302, 302, 302, 405, 405, 405, 405),
    "POST customers/<int:customer_id>/merge/": (302, 302, 302, 403, 403, 302, 302),
    # Erasing a customer cannot be undone: admins only (an empty confirmation erases nothing
    # and sends the admin back to the page with the error).
    "GET customers/<int:customer_id>/erase/": (302, 302, 302, 405, 405, 405, 405),
    "POST customers/<int:customer_id>/erase/": (302, 302, 302, 403, 403, 403, 302),
    "GET customers/merges/<int:merge_id>/undo/": (302, 302, 302, 405, 405, 405, 405),
    "POST customers/merges/<int:merge_id>/undo/": (302, 302, 302, 404, 404, 404, 404),
    # Only leads and admins block a customer or lift a block; an agent's role is refused before
    # the form is read (a lead's empty form is sent back to the page with the error).
    "GET customers/<int:customer_id>/block/": (302, 302, 302, 405, 405, 405, 405),
    "POST customers/<int:customer_id>/block/": (302, 302, 302, 403, 403, 302, 302),
    "GET customers/blocks/<int:block_id>/lift/": (302, 302, 302, 405, 405, 405, 405),
    "POST customers/blocks/<int:block_id>/lift/": (302, 302, 302, 403, 403, 404, 404),
    "GET portal/": (200, 200, 200, 200, 200, 200, 200),
    "GET portal/login/": (405, 405, 405, 405, 405, 405, 405),
    "POST portal/login/": (400, 400, 400, 400, 400, 400, 400),
    "GET portal/code/": (405, 405, 405, 405, 405, 405, 405),
    "POST portal/code/": (400, 400, 400, 400, 400, 400, 400),
    "GET portal/in/<str:token>/": (400, 400, 400, 400, 400, 400, 400),
    "GET portal/tickets/<int:ticket_id>/": (302, 302, 302, 302, 302, 302, 302),
    "GET portal/tickets/<int:ticket_id>/reply/": (405, 405, 405, 405, 405, 405, 405),
    "POST portal/tickets/<int:ticket_id>/reply/": (302, 302, 302, 302, 302, 302, 302),
    "GET portal/logout/": (405, 405, 405, 405, 405, 405, 405),
    "POST portal/logout/": (302, 302, 302, 302, 302, 302, 302),
    "GET settings/": (302, 302, 302, 403, 403, 200, 200),
    "GET settings/teams/<int:team_id>/": (302, 302, 302, 405, 405, 405, 405),
    "POST settings/teams/<int:team_id>/": (302, 302, 302, 403, 403, 302, 302),
    "GET settings/agents/": (302, 302, 302, 403, 403, 200, 200),
    "GET settings/tokens/": (302, 302, 302, 403, 403, 200, 200),
    "GET settings/tokens/<int:token_id>/revoke/": (302, 302, 302, 405, 405, 405, 405),
    "POST settings/tokens/<int:token_id>/revoke/": (302, 302, 302, 403, 403, 404, 404),
    "GET settings/fields/": (302, 302, 302, 403, 403, 200, 200),
    "GET settings/fields/<int:field_id>/delete/": (302, 302, 302, 405, 405, 405, 405),
    "POST settings/fields/<int:field_id>/delete/": (302, 302, 302, 403, 403, 404, 404),
    "GET settings/webhooks/": (302, 302, 302, 403, 403, 200, 200),
    "GET settings/webhooks/<int:webhook_id>/active/": (302, 302, 302, 405, 405, 405, 405),
    "POST settings/webhooks/<int:webhook_id>/active/": (302, 302, 302, 403, 403, 404, 404),
    "GET settings/tickets/<int:ticket_id>/fields/": (302, 302, 302, 404, 200, 200, 200),
}


@pytest.fixture
def world(desk, settings):
    # Revoked-token requests would otherwise lock the test's address halfway through.
    settings.TACTFUL_TOKEN_ADDRESS_FAILURES = 100_000
    settings.TACTFUL_PORTAL_RATE_PER_IP = 100_000  # the portal's login form likewise
    settings.TACTFUL_PORTAL_RATE_PER_ADDRESS = 100_000
    return build_world(desk)


def observe(world) -> dict[str, tuple[int, ...]]:
    seen: dict[str, tuple[int, ...]] = {}
    for route in routes():
        path = fill(route.route, world.values)
        got = tuple(status(world, role, "GET", path) for role in ROLES)
        seen[f"GET {route.route}"] = got
        # Logging out would end the sessions the rest of the table needs (checked last).
        if got[-1] == 405 and route.route != "accounts/logout/":
            seen[f"POST {route.route}"] = tuple(status(world, role, "POST", path) for role in ROLES)
    return seen


def test_every_route_answers_each_role_as_the_table_says(world):
    observed = observe(world)
    if os.environ.get("TACTFUL_PRINT_MATRIX"):  # with -s: the observed table, to review and paste
        for key, got in observed.items():
            print(f"    {key!r}: {got},")
    missing = sorted(set(observed) - set(EXPECTED))
    assert missing == [], f"routes without an entry (declare who may see them): {missing}"
    gone = sorted(set(EXPECTED) - set(observed))
    assert gone == [], f"entries for routes that no longer exist: {gone}"
    wrong = {
        key: {"expected": EXPECTED[key], "got": got}
        for key, got in observed.items()
        if got != EXPECTED[key]
    }
    assert wrong == {}


# A URLField in one admin form warns about Django 6's default scheme: not what this is about.
@pytest.mark.filterwarnings("ignore::django.utils.deprecation.RemovedInDjango60Warning")
def test_the_django_admin_is_for_admins_only(world):
    """Each registered model's list and add page: admins only (others go to the admin login)."""
    from django.contrib import admin
    from django.urls import reverse

    checked = 0
    for model, model_admin in admin.site._registry.items():
        meta = model._meta
        for page in ("changelist", "add"):
            path = reverse(f"admin:{meta.app_label}_{meta.model_name}_{page}")
            got = tuple(status(world, role, "GET", path) for role in ROLES)
            allowed = 200
            if page == "add" and not model_admin.has_add_permission(_request(world)):
                allowed = 403
            assert got == (302, 302, 302, 302, 302, 302, allowed), path
            checked += 1
    assert checked >= 40


def _request(world):
    from django.test import RequestFactory

    request = RequestFactory().get("/admin/")
    request.user = world.objects["admin"]
    return request
