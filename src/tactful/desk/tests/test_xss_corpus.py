"""The stored-XSS corpus is what the browser tests and docs/security.md say it is."""

from __future__ import annotations

from tactful.desk.tests.xss import load_corpus


def test_the_corpus_has_every_family_and_each_payload_would_show_itself():
    families = load_corpus()
    assert set(families) == {
        "script_tags",
        "event_handlers",
        "javascript_and_data_urls",
        "svg_and_mathml",
        "css",
        "mutation_and_namespace_confusion",
        "broken_markup",
        "template_injection",
        "markdown",
        "js_string_contexts",
        "attribute_breaking",
    }
    payloads = [p for group in families.values() for p in group]
    assert len(payloads) >= 100 and len(set(payloads)) == len(payloads)
    assert all(len(group) >= 10 for group in families.values())
    # Each carries its own evidence: a dialog or the marker (base64 ones decode to alert(1)).
    marks = ("alert(1)", "__xss", "alert&#40;1&#41;", "lert(1)", "PHNjcmlwdD5hbGVydCgxKTwv")
    assert [p for p in payloads if not any(mark in p for mark in marks)] == []
