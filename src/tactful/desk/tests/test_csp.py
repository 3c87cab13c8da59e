"""The Content-Security-Policy: on every response, a fresh nonce each time, and no template
that would need the policy loosened (inline script, inline event handler, un-nonced style)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.test import Client

SRC = Path(__file__).resolve().parents[2]  # src/tactful

#: Rendered for e-mail clients and the PDF printer, never served as a page.
NOT_PAGES = {
    "satisfaction/templates/satisfaction/email/question.html",
    "satisfaction/templates/satisfaction/report_pdf.html",
}

INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")[^>]*>", re.I)
EVENT_HANDLER = re.compile(r"<[a-z][^>]*\son[a-z]+\s*=", re.I)
STYLE_BLOCK = re.compile(r"<style(?![^>]*\bnonce=)[^>]*>", re.I)


def _templates() -> list[Path]:
    return sorted(p for p in SRC.rglob("templates/**/*.html") if "tests" not in p.parts)


@pytest.mark.parametrize(
    "pattern", [INLINE_SCRIPT, EVENT_HANDLER, STYLE_BLOCK], ids=["script", "handler", "style"]
)
def test_no_template_needs_unsafe_inline(pattern):
    found = []
    for path in _templates():
        name = str(path.relative_to(SRC))
        if name in NOT_PAGES:
            continue
        for match in pattern.finditer(path.read_text(encoding="utf-8")):
            found.append(f"{name}: {match.group(0)[:80]}")
    assert found == []


def test_the_scan_would_see_them():
    assert INLINE_SCRIPT.search("<script>alert(1)</script>")
    assert not INLINE_SCRIPT.search('<script src="/x.js"></script>')
    assert not INLINE_SCRIPT.search('<script type="application/json" id="d">{}</script>')
    assert EVENT_HANDLER.search('<select name="x" onchange="go()">')
    assert not EVENT_HANDLER.search('<select name="x" data-autosubmit>')
    assert STYLE_BLOCK.search("<style>body{}</style>")
    assert not STYLE_BLOCK.search('<style nonce="{{ csp_nonce }}">')


@pytest.mark.django_db
@pytest.mark.parametrize(
    "path", ["/accounts/login/", "/inbox/", "/api/v1/tickets", "/no-such-page/", "/help/"]
)
def test_every_response_has_the_policy(client: Client, path):
    response = client.get(path)
    policy = response.headers["Content-Security-Policy"]
    directives = dict(part.strip().split(" ", 1) for part in policy.split(";"))
    assert directives["script-src"] == "'self'"
    assert directives["object-src"] == "'none'"
    assert directives["frame-ancestors"] == "'none'"
    assert directives["base-uri"] == "'none'"
    assert "unsafe-inline" not in directives["style-src"]
    assert "unsafe-eval" not in policy


@pytest.mark.django_db
def test_each_page_gets_its_own_nonce_and_the_styles_carry_it(client: Client, desk):
    team = desk.team("Support")
    nonces = []
    for _ in range(2):
        response = client.get(f"/chat/try/{team.slug}/")
        policy = response.headers["Content-Security-Policy"]
        nonce = re.search(r"'nonce-([^']+)'", policy).group(1)  # type: ignore[union-attr]
        assert f'<style nonce="{nonce}">' in response.content.decode()
        nonces.append(nonce)
    assert nonces[0] != nonces[1]


@pytest.mark.django_db
def test_report_only_for_trying_a_change(client: Client, settings):
    settings.TACTFUL_CSP_REPORT_ONLY = True
    settings.TACTFUL_CSP_REPORT_URI = "/csp-reports/"
    response = client.get("/accounts/login/")
    assert "Content-Security-Policy" not in response.headers
    assert "report-uri /csp-reports/" in response.headers["Content-Security-Policy-Report-Only"]
