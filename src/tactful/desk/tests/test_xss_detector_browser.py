"""The stored-XSS detector can fail: each payload of the corpus, written into a page with the
escaping removed, is seen by it (a dialog, ``window.__xss``, or markup that escaping would have
made text).

The pages here are built in the test, not served by the desk: each payload is tried in the
contexts a careless template could put it in (HTML, a quoted or unquoted attribute, a link, a
JavaScript string, JSON in a script, Markdown with raw HTML on, a field rendered as a Django
template) until one shows it. Payloads aimed at software this desk does not run (AngularJS,
Vue, ERB, Pug, Internet Explorer's CSS) are listed in ``NO_SINK_HERE``; they stay in the
corpus so that a page that ever adds such a sink is covered.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Callable
from typing import Any

import pytest
from django.template import Context, Engine
from markdown_it import MarkdownIt

from tactful.desk.tests.xss import Watcher, all_payloads, executed

pytestmark = [pytest.mark.browser, pytest.mark.django_db]

#: Payloads no context of a Chromium page can run without a framework the desk does not have.
NO_SINK_HERE = {
    "{{constructor.constructor('alert(1)')()}}",  # AngularJS expressions
    "{{_c.constructor('window.__xss=1')()}}",  # Vue templates
    "#{alert(1)}",  # Ruby/Pug interpolation
    "<%= alert(1) %>",  # ERB/EJS
    '<div style="x:expression(alert(1))">x</div>',  # Internet Explorer's CSS expressions
    "<style>@import 'javascript:alert(1)';</style>",  # old browsers' javascript: stylesheets
    '<style>body{background-image:url("javascript:alert(1)")}</style>',
    '<div style="background:url(javascript:alert(1))">x</div>',
}

_MARKDOWN = MarkdownIt("commonmark", {"html": True})
_MARKDOWN.validateLink = lambda url: True  # the unsafe renderer: raw HTML and any link


def _template(raw: str) -> str:
    try:
        rendered = Engine().from_string(raw).render(Context({"customer": {"name": "Casey"}}))
    except Exception:  # not a template at all: shown as it is
        rendered = raw
    return f"<div>{rendered}</div>"


def _in_script(raw: str) -> str:
    """A JavaScript string literal that cannot end the script it sits in."""
    return json.dumps(raw).replace("</", "<\\/")


#: Each turns a raw value into a page that forgot to escape it.
CONTEXTS: dict[str, Callable[[str], str]] = {
    "html": lambda raw: f"<div>{raw}</div>",
    "attribute-double": lambda raw: f'<input value="{raw}"><p title="{raw}">x</p>',
    "attribute-single": lambda raw: f"<input value='{raw}'><p title='{raw}'>x</p>",
    "attribute-bare": lambda raw: f"<input value={raw}>",
    "attribute-decoded-twice": lambda raw: f'<input value="{html.unescape(raw)}">',
    "link": lambda raw: f'<a id="l" href="{raw}">x</a><iframe src="{raw}"></iframe>',
    "script-string-single": lambda raw: f"<script data-harness>var s = '{raw}';</script>",
    "script-string-double": lambda raw: f'<script data-harness>var s = "{raw}";</script>',
    # Quotes escaped, backslashes not: a backslash in the value escapes the escape.
    "script-string-quotes-escaped": lambda raw: (
        f'<script data-harness>var s = "{raw.replace(chr(34), chr(92) + chr(34))}";</script>'
    ),
    "script-call-argument": lambda raw: f"<script data-harness>String('{raw}');</script>",
    "script-bare-value": lambda raw: f"<script data-harness>var n = 1{raw}1;</script>",
    "script-template": lambda raw: f"<script data-harness>var s = `{raw}`;</script>",
    "script-json": lambda raw: f"<script data-harness>var s = {json.dumps(raw)};</script>",
    "script-to-html": lambda raw: (
        f"<div id=t></div><script data-harness>document.getElementById('t').innerHTML = '{raw}';</script>"
    ),
    # A sanitiser's round trip (parse, serialise, parse again): where mutation XSS lives.
    "parsed-twice": lambda raw: (
        "<div id=t></div><script data-harness>const d = document.createElement('div'); "
        f"d.innerHTML = {_in_script(raw)}; "
        "document.getElementById('t').innerHTML = d.innerHTML;</script>"
    ),
    # The classic broken filter: remove <script> tags once, keep the rest.
    "script-tags-stripped-once": lambda raw: f"<div>{re.sub(r'(?i)</?script>', '', raw)}</div>",
    "markdown": lambda raw: f"<div>{_MARKDOWN.render(raw)}</div>",
    "django-template": _template,
}


#: A made-up origin the test answers itself (``set_content`` on about:blank crashed Chromium
#: on a ``srcdoc`` frame).
ORIGIN = "http://unescaped.test"


def _unescaped_pages(page: Any) -> Watcher:
    """The page answers ``ORIGIN/`` with whatever the returned watcher's ``body`` holds."""
    watcher = Watcher()
    watcher.attach(page)

    def answer(route: Any) -> None:
        if route.request.url != f"{ORIGIN}/":  # a payload's own URL (an image, a frame)
            route.fulfill(status=404, body="")
            return
        route.fulfill(status=200, content_type="text/html; charset=utf-8", body=watcher.body)

    page.route(f"{ORIGIN}/**", answer)
    return watcher


def _seen(page: Any, watcher: Watcher, markup: str) -> dict[str, Any]:
    watcher.body = f"<!doctype html><html><body>{markup}</body></html>"
    page.goto(f"{ORIGIN}/")
    page.wait_for_timeout(40)  # error events of broken images are queued, not immediate
    return watcher.take(page)


def test_every_payload_is_caught_once_the_escaping_is_gone(page):
    watcher = _unescaped_pages(page)
    missed, ran, by_context = [], 0, dict.fromkeys(CONTEXTS, 0)
    payloads = [p for p in all_payloads() if p not in NO_SINK_HERE]
    for payload in payloads:
        for name, context in CONTEXTS.items():
            result = _seen(page, watcher, context(payload))
            if executed(result) or result["found"]:
                ran += executed(result)
                by_context[name] += 1
                break
        else:
            missed.append(payload)
    print(
        f"\nunescaped: {len(payloads) - len(missed)} of {len(payloads)} payloads caught "
        f"({len(NO_SINK_HERE)} more have no sink here), {ran} of them ran; "
        f"first context that showed each: {by_context}"
    )
    assert missed == []


def test_an_escaped_payload_is_not_caught(page):
    """The other side: the same payload, escaped as Django escapes, shows nothing."""
    watcher = _unescaped_pages(page)
    payload = "<img src=x onerror=alert(1)>"
    assert executed(_seen(page, watcher, CONTEXTS["html"](payload)))
    escaped = _seen(page, watcher, CONTEXTS["html"](html.escape(payload)))
    assert not executed(escaped) and escaped["found"] == []
