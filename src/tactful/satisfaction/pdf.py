"""The monthly report as PDF: the report page's own HTML, laid out by WeasyPrint.

WeasyPrint needs Pango from the system (``libpango-1.0-0 libpangoft2-1.0-0``; ``scripts/
services.sh`` installs them) and a font with Cyrillic (DejaVu, ``fonts-dejavu-core``). The
charts are inline SVG in the PDF, since no script runs there; the page draws the same series
with Chart.js. The positive comments are printed a run of comments per highlighted block
(``presenters.comment_runs``): a big month's PDF is mostly those comments.
"""

from __future__ import annotations

import threading
from typing import Any

from django.template.loader import render_to_string
from django.utils import translation

from tactful.satisfaction import presenters
from tactful.satisfaction.models import MonthlyReport

# One font configuration per process: building it asks fontconfig for the system's fonts
# again, and every report uses the same ones. Pango's font map is not safe to share between
# threads, so a process lays out one PDF at a time (the work holds the GIL anyway).
_font_lock = threading.Lock()
_font_config: Any = None


def report_html(report: MonthlyReport, *, pdf: bool) -> str:
    return render_to_string(
        "satisfaction/report_pdf.html", presenters.report_context(report, pdf=pdf)
    )


def html_to_pdf(html: str) -> bytes:
    """``html`` laid out by WeasyPrint, with this process's font configuration."""
    global _font_config
    import weasyprint  # loads Pango: only in the processes that make PDFs
    from weasyprint.text.fonts import FontConfiguration

    with _font_lock:
        if _font_config is None:
            _font_config = FontConfiguration()
        document = weasyprint.HTML(string=html, base_url=".").render(font_config=_font_config)
        return bytes(document.write_pdf())


def render_pdf(report: MonthlyReport, *, language: str | None = None) -> bytes:
    """The PDF of ``report`` (in ``language``, default the active one)."""
    with translation.override(language or translation.get_language()):
        html = report_html(report, pdf=True)
    return html_to_pdf(html)
