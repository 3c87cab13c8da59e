"""A playbook's Markdown read as a procedure: text blocks, and the steps an agent ticks off.

Steps are the items of top-level numbered lists (``1. Check the charge``) and of top-level task
lists (``- [ ] Refund it``). They are numbered 1…N through the whole playbook; the number is a
step's identity, the same in every language. Everything else (headings, paragraphs, plain
bullet lists, nested lists inside a step) is shown as written.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.utils.safestring import SafeString
from markdown_it.token import Token

from tactful.tickets import markdown

_TASK = re.compile(r"^\[( |x|X)\]\s+")


@dataclass(frozen=True, slots=True)
class Step:
    """One step: its number in the playbook, its text (plain) and its safe HTML."""

    number: int
    text: str
    html: SafeString


@dataclass(frozen=True, slots=True)
class Block:
    """Either written text (``html``) or a run of steps (``steps``), in reading order."""

    html: SafeString | None = None
    steps: tuple[Step, ...] = ()


def _closing(tokens: list[Token], start: int) -> int:
    """Index of the token that closes the one opened at ``start``."""
    depth = 0
    for index in range(start, len(tokens)):
        depth += tokens[index].nesting
        if depth == 0:
            return index
    return len(tokens) - 1


def _items(tokens: list[Token], start: int, end: int) -> list[tuple[int, int]]:
    """(open, close) of each list item directly inside the list tokens[start:end+1]."""
    items = []
    index = start + 1
    while index < end:
        if tokens[index].type == "list_item_open":
            close = _closing(tokens, index)
            items.append((index, close))
            index = close + 1
        else:
            index += 1
    return items


def _first_inline(tokens: list[Token], start: int, end: int) -> Token | None:
    return next((t for t in tokens[start:end] if t.type == "inline"), None)


def _is_task_list(tokens: list[Token], items: list[tuple[int, int]]) -> bool:
    for start, end in items:
        inline = _first_inline(tokens, start, end)
        if inline is None or not _TASK.match(inline.content):
            return False
    return bool(items)


def _without_task_box(token: Token) -> Token:
    """A copy of an inline token whose leading ``[ ]``/``[x]`` is removed."""
    copy = token.copy()
    copy.content = _TASK.sub("", copy.content, count=1)
    if copy.children:
        children = [child.copy() for child in copy.children]
        if children[0].type == "text":
            children[0].content = _TASK.sub("", children[0].content, count=1)
        copy.children = children
    return copy


def _step_text(tokens: list[Token]) -> str:
    return " ".join(
        " ".join(markdown.plain(t.content).split()) for t in tokens if t.type == "inline"
    ).strip()


def read(body: str) -> list[Block]:
    """The blocks of ``body`` with its steps numbered from 1."""
    tokens = markdown.parse(body)
    blocks: list[Block] = []
    pending: list[Token] = []
    number = 0

    def flush() -> None:
        if pending:
            html = markdown.render_tokens(pending)
            if html.strip():
                blocks.append(Block(html=html))
            pending.clear()

    index = 0
    while index < len(tokens):
        token = tokens[index]
        if token.level == 0 and token.type in {"ordered_list_open", "bullet_list_open"}:
            end = _closing(tokens, index)
            items = _items(tokens, index, end)
            task = _is_task_list(tokens, items)
            if token.type == "ordered_list_open" or task:
                flush()
                steps = []
                for start, close in items:
                    inner = tokens[start + 1 : close]
                    if task:
                        inner = [
                            _without_task_box(t) if t is _first_inline(inner, 0, len(inner)) else t
                            for t in inner
                        ]
                    number += 1
                    steps.append(
                        Step(
                            number=number,
                            text=_step_text(inner),
                            html=markdown.render_tokens(inner),
                        )
                    )
                blocks.append(Block(steps=tuple(steps)))
                index = end + 1
                continue
        pending.append(token)
        index += 1
    flush()
    return blocks


def steps_of(body: str) -> list[Step]:
    """Only the steps of ``body``, in order."""
    return [step for block in read(body) for step in block.steps]


def count_steps(body: str) -> int:
    return len(steps_of(body))
