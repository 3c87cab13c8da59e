"""A playbook's Markdown read as steps, and hostile Markdown rendered inert."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest

from tactful.playbooks import steps
from tactful.tickets import markdown

PROCEDURE = """## Before you answer

Read the **whole** thread.

1. Check the [charge](https://pay.example/charges)
2. Refund it
   - the duplicate only
3. Tell them *when*

- [ ] Set the ticket to Pending
- [x] Check on Friday

Good to know:

- a plain bullet is not a step
"""


def test_numbered_items_and_checklist_items_are_the_steps_in_order():
    found = steps.steps_of(PROCEDURE)
    assert [s.number for s in found] == [1, 2, 3, 4, 5]
    assert [s.text for s in found] == [
        "Check the charge",
        "Refund it the duplicate only",
        "Tell them when",
        "Set the ticket to Pending",
        "Check on Friday",
    ]
    # The checklist's own box is not part of the step: the desk draws the box.
    assert "[ ]" not in found[3].html and "[x]" not in found[4].html
    assert '<a href="https://pay.example/charges"' in found[0].html


def test_text_around_the_steps_is_kept_in_reading_order():
    blocks = steps.read(PROCEDURE)
    kinds = ["steps" if b.steps else "text" for b in blocks]
    assert kinds == ["text", "steps", "steps", "text"]
    assert "<h2>Before you answer</h2>" in (blocks[0].html or "")
    assert "a plain bullet is not a step" in (blocks[-1].html or "")


def test_a_bullet_list_is_steps_only_when_every_item_has_a_box():
    assert steps.count_steps("- [ ] one\n- [X] two") == 2
    assert steps.count_steps("- [ ] one\n- two") == 0


def test_a_text_without_a_list_has_no_steps():
    assert steps.count_steps("Just read the thread and be kind.") == 0
    assert steps.count_steps("") == 0


HOSTILE = [
    "<script>alert('x')</script>",
    "<img src=x onerror=alert(1)>",
    "[click](javascript:alert(1))",
    "[click](JaVaScRiPt:alert(1))",
    "[click](vbscript:msgbox(1))",
    "![pixel](data:image/svg+xml;base64,PHN2Zz48c2NyaXB0PmFsZXJ0KDEpPC9zY3JpcHQ+PC9zdmc+)",
    '<a href="javascript:alert(1)">x</a>',
    "<iframe src=https://evil.example></iframe>",
    "<style>body{display:none}</style>",
    '<div onclick="alert(1)">x</div>',
    '[x](https://ok.example "t" onmouseover=alert(1))',
]


class _Elements(HTMLParser):
    """Every element and attribute a browser would build from some HTML."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[tuple[str, dict[str, str]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.found.append((tag, {name: value or "" for name, value in attrs}))


def assert_inert(html: str, *, page: bool = False) -> None:
    """No element that runs code, no event handler, no link or image but http(s)/mailto.

    ``page``: a whole page or fragment of the desk, whose own forms and blocks are expected;
    otherwise only what Markdown may produce is allowed.
    """
    forbidden = {"script", "iframe", "style", "object", "embed", "frame", "base"}
    if not page:
        forbidden |= {"form", "div", "input", "button", "link", "span", "meta"}
    parser = _Elements()
    parser.feed(html)
    for tag, attributes in parser.found:
        assert tag not in forbidden, html
        for name, value in attributes.items():
            assert not name.startswith("on"), html
            if name in {"href", "src"} and ":" in value.split("/")[0]:
                assert value.split(":")[0].lower() in {"http", "https", "mailto"}, html


@pytest.mark.parametrize("text", HOSTILE)
def test_hostile_markdown_is_rendered_inert(text):
    assert_inert(markdown.render(text))
    for step in steps.steps_of(f"1. {text}\n2. {text}"):
        assert_inert(step.html)
    for block in steps.read(f"{text}\n\n1. {text}"):
        assert_inert(block.html or "")


def test_raw_html_is_shown_as_text_not_interpreted():
    html = markdown.render("<b>bold?</b> <script>alert(1)</script>")
    assert "&lt;b&gt;bold?&lt;/b&gt;" in html
    assert "&lt;script&gt;" in html


def test_table_cells_keep_only_their_alignment():
    html = markdown.render("| a | b |\n|:-|-:|\n| 1 | 2 |")
    assert '<th style="text-align:left">a</th>' in html
    assert '<td style="text-align:right">2</td>' in html


def test_links_open_safely():
    html = markdown.render("[docs](https://docs.example)")
    assert 'rel="noopener noreferrer nofollow"' in html


def test_plain_text_of_markdown():
    assert markdown.plain("**Refund** the [duplicate](https://x.example)\n\n- now") == (
        "Refund the duplicate now"
    )
