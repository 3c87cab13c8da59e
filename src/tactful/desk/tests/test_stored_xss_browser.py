"""Stored XSS, end to end: every payload of the corpus goes in through the desk's own doors
(e-mail, the API channel, the contact form, the chat, the satisfaction survey, and what agents
type, quality reviews included), then every page
that shows those values is opened in Chromium: no dialog, no ``window.__xss``, no markup that
escaping would have made text.

The tour runs twice: once with the Content-Security-Policy switched off in the browser, so the
escaping has to hold on its own, and once with the policy on, which must refuse nothing.
Payloads are spread over the fields rather than sent through every one (``spread``); each goes
through at least one field and each field carries several. A field whose check refuses a payload
(a tag may not hold ``<``) counts it as refused, and the payload still travels through a free-text
field. ``test_xss_detector_browser.py`` shows that the detector would see each payload if the
escaping were gone.
"""

from __future__ import annotations

import itertools
import re
import uuid
from collections import Counter
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import formataddr, make_msgid
from typing import Any
from urllib.parse import urlencode

import pytest
from django.core import mail
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.test import Client

from tactful.accounts import services as account_services
from tactful.accounts.models import Role
from tactful.automation import services as rule_services
from tactful.canned import services as canned_services
from tactful.customers import services as customer_services
from tactful.customers.models import Customer
from tactful.desk.tests.xss import Watcher, all_payloads, executed, load_corpus
from tactful.knowledge import services as kb_services
from tactful.livechat import services as chat_services
from tactful.livechat.tests.conftest import asgi_desk  # noqa: F401  (pages and WebSockets)
from tactful.mail import services as mail_services
from tactful.playbooks import services as playbook_services
from tactful.portal import services as portal_services
from tactful.quality import services as quality_services
from tactful.quality.models import Scorecard
from tactful.satisfaction import links as survey_links
from tactful.satisfaction import scales
from tactful.satisfaction import services as satisfaction_services
from tactful.satisfaction.models import Survey
from tactful.teamsettings import services as field_services
from tactful.tickets import services as ticket_services
from tactful.tickets.models import Ticket
from tactful.webform import services as form_services

pytestmark = [
    pytest.mark.browser,
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("allow_orm_next_to_playwright"),
]

PASSWORD = "a-long-test-password"


@dataclass(frozen=True)
class Field:
    """A text a person can fill: how long it may be, and whether it is one line."""

    name: str
    max_chars: int = 10_000
    one_line: bool = True


#: Every field the tour fills, by the door it comes through.
FIELDS = [
    Field("email sender name", 120),
    Field("email subject", 200),
    Field("email text body", one_line=False),
    Field("email HTML body", one_line=False),
    Field("email attachment file name", 120),
    Field("api customer name", 200),
    Field("api subject", 200),
    Field("api body", one_line=False),
    Field("contact form name", 200),
    Field("contact form subject", 200),
    Field("contact form message", one_line=False),
    Field("chat visitor name", 200),
    Field("chat visitor message", one_line=False),
    Field("chat agent reply", one_line=False),
    Field("survey comment", 1000, one_line=False),
    Field("ticket subject", 200),
    Field("reply", one_line=False),
    Field("internal note", one_line=False),
    Field("tag", 50),
    Field("canned title", 100),
    Field("canned body", one_line=False),
    Field("rule name", 100),
    Field("saved view name", 80),
    Field("saved view search", 200),
    Field("kb category name", 100),
    Field("kb article title", 200),
    Field("kb article summary", 300),
    Field("kb article body", one_line=False),
    Field("playbook name", 100),
    Field("playbook title", 200),
    Field("playbook body", one_line=False),
    Field("customer name", 200),
    Field("customer notes", one_line=False),
    Field("team name", 100),
    Field("agent first name", 150),
    Field("review comment", 2000, one_line=False),
    Field("criterion comment", 2000, one_line=False),
    Field("dispute reason", 2000, one_line=False),
    Field("custom field label", 80),
    Field("custom field value", 200),
]


def spread(payloads: list[str], fields: list[Field]) -> dict[str, list[str]]:
    """Each payload to the next field (round robin) that can hold it: short enough, and one
    line where the field is one line."""
    out: dict[str, list[str]] = {f.name: [] for f in fields}
    turn = itertools.cycle(fields)
    for payload in payloads:
        for _ in range(len(fields)):
            target = next(turn)
            if len(payload) <= target.max_chars and not (target.one_line and "\n" in payload):
                out[target.name].append(payload)
                break
    return out


@dataclass
class Seeded:
    """What the tour must open, and what went in."""

    admin: Any
    team: Any
    tickets: list[int] = field(default_factory=list)
    customers: set[int] = field(default_factory=set)
    articles: list[int] = field(default_factory=list)
    playbooks: list[int] = field(default_factory=list)
    canned: list[int] = field(default_factory=list)
    rules: list[int] = field(default_factory=list)
    saved_queries: list[str] = field(default_factory=list)
    centers: set[str] = field(default_factory=set)
    portal_address: str = ""
    stored: Counter[str] = field(default_factory=Counter)
    refused: Counter[str] = field(default_factory=Counter)
    rerouted: list[str] = field(default_factory=list)
    reviews: list[int] = field(default_factory=list)
    surveys: dict[int, str] = field(default_factory=dict)  # ticket → the survey's link token


class Pool:
    """The payloads of one field, handed out one at a time; plain text once they run out."""

    def __init__(self, name: str, payloads: list[str], seeded: Seeded) -> None:
        self.name, self.left, self.seeded = name, list(payloads), seeded

    def __len__(self) -> int:
        return len(self.left)

    def take(self, plain: str) -> str:
        if not self.left:
            return plain
        self.seeded.stored[self.name] += 1
        return self.left.pop(0)


def _email(*, name: str, subject: str, body: str, html: bool, filename: str, n: int) -> bytes:
    message = EmailMessage()
    message["From"] = formataddr((name, f"sender{n}@example.com"))
    message["To"] = "support@desk.example"
    message["Subject"] = subject
    message["Message-ID"] = make_msgid(domain="example.com")
    if html:
        message.set_content(f"<html><body><p>Hello,</p>{body}</body></html>", subtype="html")
    else:
        message.set_content(body)
    message.add_attachment(
        b"%PDF-1.4 not really", maintype="application", subtype="pdf", filename=filename
    )
    return bytes(message)


def seed(desk: Any, assigned: dict[str, list[str]], base_url: str) -> Seeded:
    """Send every assigned payload in through its field's real entry point."""
    cache.clear()  # rate limits of the contact form and the portal
    team = desk.team("Support")
    admin = desk.agent("root", role=Role.ADMIN, teams=[team], password=PASSWORD)
    seeded = Seeded(admin=admin, team=team)
    pools = {name: Pool(name, payloads, seeded) for name, payloads in assigned.items()}

    def refused(field_name: str, value: str, call: Any, **arguments: Any) -> Any:
        """A field's check may refuse a payload: counted, and the payload travels elsewhere."""
        try:
            return call(**arguments)
        except ValidationError:
            seeded.refused[field_name] += 1
            seeded.stored[field_name] -= 1
            seeded.rerouted.append(value)
            return None

    # Rules first, so that their names are written into the timelines of the tickets below.
    rules = pools["rule name"]
    while rules:
        value = rules.take("rule")
        rule = refused(
            "rule name",
            value,
            rule_services.save_rule,
            by=admin,
            name=value,
            trigger="ticket_created",
            conditions={"channel_in": ["social"]},  # the API tickets below
            actions=[{"type": "add_tag", "tag": "routed"}],
        )
        if rule:
            seeded.rules.append(rule.pk)

    # Teams and agents: their names are in every menu and on every ticket.
    teams = pools["team name"]
    while teams:
        value = teams.take("x")
        other = refused("team name", value, account_services.create_team, name=value)
        if other:
            seeded.centers.add(other.slug or "")
    first_names = pools["agent first name"]
    hostile_agents = []
    for n in itertools.count():
        if not first_names:
            break
        hostile_agents.append(
            account_services.create_agent(
                username=f"hostile{n}",
                password=PASSWORD,
                role=Role.AGENT,
                teams=[team],
                language="en",
                first_name=first_names.take("Agent"),
            )
        )

    # The doors customers come in by.
    names, subjects = pools["email sender name"], pools["email subject"]
    texts, htmls, files = (
        pools["email text body"],
        pools["email HTML body"],
        pools["email attachment file name"],
    )
    for n in itertools.count():
        if not (names or subjects or texts or htmls or files):
            break
        html = bool(htmls) and (n % 2 == 1 or not texts)
        raw = _email(
            name=names.take("Casey Customer"),
            subject=subjects.take(f"Order {n}"),
            body=(htmls if html else texts).take("<b>Where is my order?</b>" if html else "Hi"),
            html=html,
            filename=files.take(f"receipt-{n}.pdf"),
            n=n,
        )
        result = mail_services.ingest_email(raw, team=team)
        assert result.ticket_id is not None, result
        seeded.tickets.append(result.ticket_id)
    seeded.portal_address = "sender0@example.com"

    token = desk.token(admin)
    client = Client()
    api = [pools["api customer name"], pools["api subject"], pools["api body"]]
    for n in itertools.count():
        if not any(api):
            break
        response = client.post(
            "/api/v1/channels/social/messages",
            {
                "external_id": f"post-{n}",
                "body": api[2].take("Hello from social"),
                "subject": api[1].take(""),
                "customer": {"handle": f"fan{n}", "name": api[0].take("Fan")},
                "team": team.slug,
            },
            content_type="application/json",
            headers={"Authorization": f"Bearer {token}"},
        )
        assert response.status_code == 201, response.content
        seeded.tickets.append(response.json()["ticket"])

    web = [pools["contact form name"], pools["contact form subject"], pools["contact form message"]]
    for n in itertools.count():
        if not any(web):
            break
        ticket = form_services.submit_contact_form(
            team=team,
            name=web[0].take("Web Visitor"),
            email=f"web{n}@example.com",
            subject=web[1].take("Question"),
            message=web[2].take("Hello"),
            language="en",
            nonce=uuid.uuid4().hex,
        )
        seeded.tickets.append(ticket.pk)

    chat = [pools["chat visitor name"], pools["chat visitor message"]]
    replies = pools["chat agent reply"]
    for _n in itertools.count():
        if not any(chat):
            break
        info, _token = chat_services.start_session(
            team_slug=team.slug, name=chat[0].take(""), language="en"
        )
        received = chat_services.receive_visitor_message(
            session_id=info.session_id, client_id=str(uuid.uuid4()), body=chat[1].take("Hi")
        )
        seeded.tickets.append(received.ticket_id)
        if replies:
            chat_services.agent_reply(
                agent=admin, ticket_id=received.ticket_id, body=replies.take("Hello")
            )

    # What agents type on tickets, spread over the tickets above.
    tickets = list(Ticket.objects.filter(pk__in=seeded.tickets).order_by("pk"))
    for ticket in tickets:
        seeded.customers.add(ticket.customer_id)
    ring = itertools.cycle(tickets)
    labels = pools["custom field label"]
    made = [
        field_services.create_field(name=f"field_{n}", label=labels.take("x"), team=None, by=admin)
        for n in range(max(len(labels), 1))
    ]
    fields = itertools.cycle(made)
    for name in ("ticket subject", "reply", "internal note", "tag", "custom field value"):
        pool = pools[name]
        while pool:
            ticket = next(ring)
            value = pool.take("x")
            if name == "ticket subject":
                ticket_services.change_subject(ticket=ticket, subject=value, by=admin)
            elif name == "reply":
                ticket_services.record_reply(ticket=ticket, agent=admin, body=value)
            elif name == "internal note":
                ticket_services.add_internal_note(ticket=ticket, agent=admin, body=value)
            elif name == "tag":
                refused(
                    name,
                    value,
                    ticket_services.set_tags,
                    ticket=ticket,
                    names=[value],
                    by=admin,
                )
            else:
                custom = next(fields)
                field_services.set_field_values(
                    ticket=ticket, values={custom.name: value}, by=admin
                )

    customers = list(seeded.customers)
    people = [pools["customer name"], pools["customer notes"]]
    for customer_id in itertools.cycle(customers):
        if not any(people):
            break
        customer = Customer.objects.get(pk=customer_id)
        name = people[0].take("")
        customer_services.update_customer(
            customer=customer, name=name or None, notes=people[1].take("") or None
        )

    # The desk's libraries.
    canned = [pools["canned title"], pools["canned body"]]
    for n in itertools.count():
        if not any(canned):
            break
        response = canned_services.create_response(
            by=admin,
            team=team,
            title=canned[0].take(f"Answer {n}"),
            category="acknowledge",
            variants={
                "en": canned_services.VariantText(body=canned[1].take("Thanks for writing."))
            },
        )
        seeded.canned.append(response.pk)

    kb = [
        pools["kb category name"],
        pools["kb article title"],
        pools["kb article summary"],
        pools["kb article body"],
    ]
    categories = []
    while kb[0]:
        categories.append(kb_services.save_category(by=admin, name=kb[0].take("x"), team=team))
    if not categories:
        categories.append(kb_services.save_category(by=admin, name="Payments", team=team))
    for n in itertools.count():
        if not any(kb[1:]):
            break
        article = kb_services.save_article(
            by=admin,
            category=categories[n % len(categories)],
            translations={
                "en": kb_services.TranslationText(
                    title=kb[1].take(f"Article {n}"),
                    summary=kb[2].take("A summary."),
                    body=kb[3].take("Some text."),
                    published=True,
                )
            },
        )
        seeded.articles.append(article.pk)
    seeded.centers.add(team.slug or "")

    books = [pools["playbook name"], pools["playbook title"], pools["playbook body"]]
    for n in itertools.count():
        if not any(books):
            break
        body = books[2].take("Check the order.")
        playbook = playbook_services.save_playbook(
            draft=playbook_services.PlaybookDraft(
                name=books[0].take(f"Playbook {n}"),
                variants={
                    "en": playbook_services.VariantText(
                        title=books[1].take(f"Steps {n}"),
                        body=f"{body}\n\n1. {body}\n2. Tell the customer",
                    )
                },
                where=playbook_services.Where(team_ids=(team.pk,)),
            ),
            by=admin,
        )
        seeded.playbooks.append(playbook.pk)

    # Saved views, through the inbox's own form (the search box is kept in the view).
    views = [pools["saved view name"], pools["saved view search"]]
    agent_client = Client()
    agent_client.force_login(admin)
    for n in itertools.count():
        if not any(views):
            break
        query = urlencode({"q": views[1].take(f"order {n}")})
        response = agent_client.post(
            "/inbox/views/", {"name": views[0].take(f"View {n}"), "query": query, "share": "on"}
        )
        assert response.status_code == 302
        seeded.saved_queries.append(query)

    # The rules with hostile names fired: their names are in those tickets' timelines.
    assert Ticket.objects.filter(tags__name="routed").exists()

    # The customer's answer to the satisfaction survey, through its public link's service.
    comments = pools["survey comment"]
    for ticket in tickets:
        if not comments:
            break
        ticket_services.change_status(ticket=ticket, status="solved", by=admin)
        survey = Survey.objects.filter(ticket=ticket).order_by("-pk").first()
        survey = survey or satisfaction_services.send_survey(ticket=ticket)
        assert survey is not None
        satisfaction_services.answer_by_token(
            token=survey_links.token_for(survey),
            rating=scales.values(survey.scale)[0],
            comment=comments.take(""),
        )
        seeded.surveys[ticket.pk] = survey_links.token_for(survey)

    # Quality: a lead's review of an agent's reply (comments on it and on a criterion), and the
    # agent's dispute, through the quality services.
    quality_services.install_default_scorecards()
    scorecard = Scorecard.objects.filter(active=True).order_by("pk").first()
    assert scorecard is not None
    criteria = list(scorecard.criteria.filter(active=True).order_by("pk"))
    review_pools = [pools["review comment"], pools["criterion comment"], pools["dispute reason"]]
    for ticket, reviewee in zip(tickets, itertools.cycle(hostile_agents)):
        if not any(review_pools):
            break
        ticket_services.record_reply(ticket=ticket, agent=reviewee, body="Here is your refund.")
        grades = {c.pk: quality_services.Grade(1 if c.scale == "binary" else 3) for c in criteria}
        grades[criteria[0].pk] = quality_services.Grade(
            grades[criteria[0].pk].value, comment=review_pools[1].take("")
        )
        review = quality_services.record_review(
            ticket=ticket,
            scorecard=scorecard,
            reviewer=admin,
            reviewee=reviewee,
            grades=grades,
            comment=review_pools[0].take(""),
        )
        seeded.reviews.append(review.pk)
        reason = review_pools[2].take("")
        if reason:
            quality_services.dispute_review(review=review, by=reviewee, reason=reason)

    # What a field refused goes in as a reply, so that every payload reaches a page.
    for value, ticket in zip(seeded.rerouted, itertools.cycle(tickets)):
        ticket_services.record_reply(ticket=ticket, agent=admin, body=value)

    leftover = {name: pool.left for name, pool in pools.items() if pool.left}
    assert leftover == {}, leftover
    return seeded


def _pages(seeded: Seeded) -> list[str]:
    from tactful.inbox.models import SavedView

    pages = [
        "/inbox/",
        "/inbox/?status=all",
        "/inbox/?channel=email",
        "/inbox/?q=order",
        "/inbox/?tag=routed",
        "/inbox/?q=" + "%3Cimg%20src%3Dx%20onerror%3Dalert(1)%3E",  # reflected, for good measure
        *(f"/inbox/?{view.query}" for view in SavedView.objects.all()),
        *(f"/tickets/{pk}/" for pk in seeded.tickets),
        *(f"/customers/{pk}/" for pk in sorted(seeded.customers)),
        "/canned/",
        *(f"/canned/{pk}/edit/" for pk in seeded.canned),
        "/automation/rules/",
        *(f"/automation/rules/{pk}/" for pk in seeded.rules),
        "/automation/notifications/",
        "/knowledge/",
        "/knowledge/categories/",
        *(f"/knowledge/{pk}/" for pk in seeded.articles),
        *(f"/knowledge/{pk}/edit/" for pk in seeded.articles),
        "/help/",
        *(f"/help/{slug}/" for slug in sorted(seeded.centers) if slug),
        *(f"/help/a/{pk}/" for pk in seeded.articles),
        "/playbooks/",
        *(f"/playbooks/{pk}/edit/" for pk in seeded.playbooks),
        *(f"/playbooks/{pk}/history/" for pk in seeded.playbooks),
        "/reports/",
        "/sla/policies/",
        "/quality/",
        "/quality/mine/",
        "/quality/team/",
        "/quality/calibration/",
        "/quality/disputes/",
        *(f"/quality/reviews/{pk}/" for pk in seeded.reviews),
        "/satisfaction/",
        f"/satisfaction/teams/{seeded.team.pk}/feed/",
        *(f"/satisfaction/tickets/{pk}/" for pk in seeded.surveys),
        "/team-load/",
        "/me/",
        "/settings/",
        "/settings/agents/",
        "/settings/fields/",
        "/chat/embed/",
        f"/chat/try/{seeded.team.slug}/",
        "/admin/tickets/ticket/",
        "/admin/customers/customer/",
        "/admin/accounts/team/",
    ]
    return pages


@dataclass
class Tour:
    """What the pages showed: anything that ran or was not escaped, and the text they showed."""

    problems: list[str] = field(default_factory=list)
    opened: int = 0
    text: list[str] = field(default_factory=list)


def _tour(
    browser_page: Any, watcher: Watcher, base: str, paths: list[str], tour: Tour, label: str
) -> None:
    """Open each page and keep what it showed."""
    for path in paths:
        response = browser_page.goto(f"{base}{path}")
        if response is None or response.status != 200:  # a page that did not show the values
            tour.problems.append(f"{label} {path}: HTTP {response and response.status}")
        browser_page.wait_for_load_state("load")
        if browser_page.locator("#livechat").count():
            # The chat pane fills from its WebSocket: wait for the chat so far to arrive.
            browser_page.locator("#livechat .livechat-log li").first.wait_for()
        browser_page.wait_for_timeout(300)  # the panels htmx loads on page load
        assert "/login/" not in browser_page.url, path  # still logged in
        seen = watcher.take(browser_page)
        if executed(seen) or seen["found"] or seen["violations"]:
            tour.problems.append(f"{label} {path}: {seen}")
        tour.text.append(browser_page.inner_text("body"))
        tour.opened += 1


def _sample(paths: list[str]) -> list[str]:
    """One page of each kind (the first ticket, article…) and every list page."""
    kinds: dict[str, str] = {}
    for path in paths:
        kinds.setdefault(re.sub(r"\d+", "N", path.split("?")[0]), path)
    return list(kinds.values())


def _log_in(browser_page: Any, base: str) -> None:
    browser_page.goto(f"{base}/accounts/login/")
    browser_page.fill("#id_username", "root")
    browser_page.fill("#id_password", PASSWORD)
    browser_page.click("button[type=submit]")
    browser_page.wait_for_url("**/inbox/", timeout=60_000)


def _portal(browser_page: Any, base: str, address: str) -> list[str]:
    """The customer's side: log in from the e-mailed link; their tickets' pages."""
    mail.outbox.clear()
    portal_services.send_login(address=address, language="en")
    link = re.search(r"http://\S+/portal/in/\S+/", mail.outbox[-1].body).group(0)  # type: ignore[union-attr]
    browser_page.goto(link)
    browser_page.click("#continue")
    browser_page.wait_for_url(f"{base}/portal/")
    customer = customer_services.customer_with_address(address)
    assert customer is not None
    return ["/portal/", *(f"/portal/tickets/{t.pk}/" for t in portal_services.tickets(customer))]


def _live_chat(
    context: Any, agent_watcher: Watcher, base: str, team_slug: str, tour: Tour, label: str
) -> None:
    """The chat typed in the browsers themselves: a visitor in the widget (name and messages),
    the agent in the ticket's chat pane; each side then shows the other's text."""
    families = load_corpus()
    said = [group[0] for group in families.values()]  # one of each family
    answers = [group[1] for group in families.values()][:4]
    visitor = context.new_page()
    visitor.set_default_timeout(30_000)
    watcher = Watcher()
    watcher.attach(visitor)
    visitor.goto(f"{base}/chat/try/{team_slug}/")
    widget = visitor.locator("tactful-chat")
    widget.locator(".launcher").click()
    widget.locator(".intro input[name=name]").fill(said[-1])
    widget.locator(".intro button[type=submit]").click()
    composer = widget.locator("textarea[name=body]")
    for n, text in enumerate(said, start=1):
        composer.fill(text)
        composer.press("Enter")
        widget.locator(".msg.from-visitor:not(.pending)").nth(n - 1).wait_for()
    ticket = Ticket.objects.filter(channel="chat").order_by("-pk").first()
    assert ticket is not None

    agent = context.pages[0]
    agent.goto(f"{base}/tickets/{ticket.pk}/")
    agent.locator("#livechat .livechat-log li").nth(len(said) - 1).wait_for()
    for n, text in enumerate(answers, start=1):
        agent.locator("#livechat-body").fill(text)
        agent.locator("#livechat-body").press("Enter")
        widget.locator(".msg.from-agent").nth(n - 1).wait_for()
    agent.wait_for_timeout(300)
    for where, shown in (("widget", visitor), ("chat pane", agent)):
        seen = (watcher if shown is visitor else agent_watcher).take(shown)
        if executed(seen) or seen["found"] or seen["violations"]:
            tour.problems.append(f"{label} {where}: {seen}")
        tour.opened += 1
    tour.text.append(widget.locator(".log").inner_text())
    tour.text.append(agent.locator("#livechat").inner_text())
    visitor.close()


def test_no_stored_payload_runs_on_any_page(asgi_desk, desk, settings, request):  # noqa: F811
    settings.TACTFUL_PUBLIC_URL = asgi_desk
    payloads = all_payloads()
    assigned = spread(payloads, FIELDS)
    assert sum(len(v) for v in assigned.values()) == len(payloads)
    seeded = seed(desk, assigned, asgi_desk)
    paths = _pages(seeded)
    # The browser starts here, after the seeding, but the order is no longer needed: a chat
    # reply delivered in a thread running Playwright's event loop still reaches the visitor
    # (``livechat.transport.broadcast`` sends from a thread of its own there; livechat's
    # test_services checks it).
    page = request.getfixturevalue("page")
    page.set_default_timeout(30_000)

    tour = Tour()
    # Every page with the policy switched off in the browser: the escaping alone must hold.
    # Then one page of each kind with the policy on: it must refuse nothing.
    for bypass, label, chosen in ((True, "no policy", paths), (False, "policy", _sample(paths))):
        context = page.context.browser.new_context(locale="en-US", bypass_csp=bypass)
        try:
            agent = context.new_page()
            agent.set_default_timeout(30_000)
            agent_watcher = Watcher()
            agent_watcher.attach(agent)
            _log_in(agent, asgi_desk)
            agent_watcher.take(agent)
            _tour(agent, agent_watcher, asgi_desk, chosen, tour, label)
            _live_chat(context, agent_watcher, asgi_desk, seeded.team.slug or "", tour, label)
            customer = context.new_page()
            customer.set_default_timeout(30_000)
            customer_watcher = Watcher()
            customer_watcher.attach(customer)
            portal_paths = _portal(customer, asgi_desk, seeded.portal_address) + [
                f"/satisfaction/s/{token}/" for token in seeded.surveys.values()
            ]
            customer_watcher.take(customer)
            _tour(customer, customer_watcher, asgi_desk, portal_paths, tour, label)
        finally:
            context.close()

    # Not a vacuous pass: the payloads were on the pages, as text.
    flat = [" ".join(p.split()) for p in payloads]
    pages_text = [" ".join(t.split()) for t in tour.text]
    shown = [p for p in flat if any(p in t for t in pages_text)]
    renderings = sum(p in t for t in pages_text for p in flat)
    stored = sum(max(n, 0) for n in seeded.stored.values())
    print(
        f"\n{len(payloads)} payloads through {len(FIELDS)} fields "
        f"({stored} stored, {sum(seeded.refused.values())} refused by a field's check: "
        f"{dict(seeded.refused)}, sent as replies instead); {len(seeded.tickets)} tickets; "
        f"{tour.opened} page loads ({len(paths)} desk pages without the policy, "
        f"{len(_sample(paths))} with it, and the portal in both); "
        f"{len(shown)} payloads seen verbatim as page text; "
        f"{renderings} (payload, page) pairs with the payload shown as text"
    )
    print("payloads per field:", {name: len(v) for name, v in assigned.items()})
    assert tour.problems == []
    assert len(shown) >= len(payloads) // 2, len(shown)
