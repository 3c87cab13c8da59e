"""The stored-XSS corpus and the browser-side detector the XSS tests share.

A payload "executes" when it opens a dialog (``alert``) or sets ``window.__xss``; every payload
in ``xss_payloads.json`` is written to do one or the other. Some payloads only run on a click
or a hover (``javascript:`` links, ``onmouseover``), so the detector also scans the rendered DOM
for what an escaped value can never produce: an ``on…`` attribute, a script-bearing URL, an
inline script, ``srcdoc``, a refresh or ``<base>`` tag. Open shadow roots (the chat widget) and
same-origin frames are scanned too.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

CORPUS = Path(__file__).with_name("xss_payloads.json")

#: Run in the page before any page script: nothing here may set the marker itself.
WATCH = """
window.__cspViolations = [];
document.addEventListener('securitypolicyviolation', (e) => {
  window.__cspViolations.push(`${e.violatedDirective} ${e.blockedURI} ${e.sample || ''}`);
}, true);
"""

#: Returns what in the page could only come from markup that was not escaped.
SCAN = r"""() => {
  const found = [];
  const bad = /^(javascript|vbscript|data:text\/html|data:image\/svg)/i;
  const urlAttrs = ['href', 'src', 'action', 'formaction', 'data', 'xlink:href', 'values', 'to'];
  const visit = (root, where) => {
    for (const el of root.querySelectorAll('*')) {
      const tag = el.tagName.toLowerCase();
      for (const attr of el.getAttributeNames()) {
        const value = el.getAttribute(attr) || '';
        if (/^on/i.test(attr)) found.push(`${where}<${tag} ${attr}=${value.slice(0, 60)}>`);
        if (urlAttrs.includes(attr.toLowerCase())
            && bad.test(value.replace(/[\u0000-\u0020]/g, ''))) {
          found.push(`${where}<${tag} ${attr}=${value.slice(0, 60)}>`);
        }
      }
      // data-harness: the detector test's own scripts, which stand for a careless template.
      if (tag === 'script' && !el.hasAttribute('src') && el.type !== 'application/json'
          && !el.hasAttribute('data-harness')) {
        found.push(`${where}<script>${el.textContent.slice(0, 60)}`);
      }
      if (tag === 'iframe' && el.hasAttribute('srcdoc')) found.push(`${where}<iframe srcdoc>`);
      if (tag === 'meta' && /refresh/i.test(el.getAttribute('http-equiv') || '')) {
        found.push(`${where}<meta refresh>`);
      }
      if (tag === 'base') found.push(`${where}<base>`);
      if (tag === 'embed' || tag === 'object') found.push(`${where}<${tag}>`);
      if (el.shadowRoot) visit(el.shadowRoot, `${where}${tag}::shadow `);
      if (tag === 'iframe') {
        try {
          if (el.contentDocument) visit(el.contentDocument, `${where}iframe `);
        } catch (e) { /* another origin: its own page */ }
      }
    }
  };
  visit(document, '');
  return {
    marker: window.__xss === undefined ? null : String(window.__xss),
    found: found,
    violations: window.__cspViolations || [],
  };
}"""


def load_corpus() -> dict[str, list[str]]:
    """The payloads by family, as written in ``xss_payloads.json``."""
    data = json.loads(CORPUS.read_text(encoding="utf-8"))
    families: dict[str, list[str]] = data["families"]
    return families


def all_payloads() -> list[str]:
    """Every payload once, in the file's order (the families do not overlap)."""
    seen: dict[str, None] = {}
    for payloads in load_corpus().values():
        for payload in payloads:
            seen.setdefault(payload, None)
    return list(seen)


@dataclass
class Watcher:
    """What one browser page saw: dialogs it opened and console lines about the policy."""

    dialogs: list[str] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)
    body: str = ""  # the page a test serves itself, when it does

    def attach(self, page: Any) -> None:
        page.add_init_script(WATCH)

        def on_dialog(dialog: Any) -> None:
            self.dialogs.append(f"{dialog.type}: {dialog.message}")
            dialog.dismiss()  # an open dialog would stall the page

        page.on("dialog", on_dialog)
        page.on(
            "console",
            lambda message: (
                self.refused.append(message.text)
                if "Content Security Policy" in message.text
                else None
            ),
        )

    def take(self, page: Any) -> dict[str, Any]:
        """What the page has shown since the last call: executions, unescaped markup, refusals."""
        seen = page.evaluate(SCAN)
        result = {
            "dialogs": list(self.dialogs),
            "marker": seen["marker"],
            "found": seen["found"],
            "violations": seen["violations"] + list(self.refused),
        }
        self.dialogs.clear()
        self.refused.clear()
        return result


def executed(result: dict[str, Any]) -> bool:
    return bool(result["dialogs"]) or result["marker"] is not None
