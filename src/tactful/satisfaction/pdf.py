"""The monthly report as PDF: the report page's own HTML, laid out by WeasyPrint.

WeasyPrint needs Pango from the system (``libpango-1.0-0 libpangoft2-1.0-0``; ``scripts/
services.sh`` installs them) and a font with Cyrillic (DejaVu, ``fonts-dejavu-core``). The
charts are inline SVG in the PDF, since no script runs there; the page draws the same series
with Chart.js.
"""

from __future__ import annotations

from django.template.loader import render_to_string
from django.utils import translation

from tactful.satisfaction import presenters
from tactful.satisfaction.models import MonthlyReport


def report_html(report: MonthlyReport, *, pdf: bool) -> str:
    return render_to_string(
        "satisfaction/report_pdf.html", presenters.report_context(report, pdf=pdf)
    )


def render_pdf(report: MonthlyReport, *, language: str | None = None) -> bytes:
    """The PDF of ``report`` (in ``language``, default the active one)."""
    import weasyprint  # loads Pango: only in the processes that make PDFs

    with translation.override(language or translation.get_language()):
        html = report_html(report, pdf=True)
    document = weasyprint.HTML(string=html, base_url=".")
    return bytes(document.write_pdf())
