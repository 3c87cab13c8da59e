"""The monthly report: figures from SQL aggregates, the coach's advice against CSAT with Wilson
intervals, every positive comment (anonymised, by theme), the page, the PDF, the e-mail."""

from __future__ import annotations

import shutil
import subprocess
from datetime import UTC, date, datetime, timedelta

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tactful.satisfaction import presenters, reports, scales, services
from tactful.satisfaction.models import MonthlyReport, Survey
from tactful.satisfaction.pdf import render_pdf, report_html
from tactful.satisfaction.tasks import monthly_reports

pytestmark = pytest.mark.django_db

MONTH = date(2026, 11, 1)


def _in_month(survey: Survey, day: int) -> None:
    when = datetime(2026, 11, day, 10, tzinfo=UTC)
    Survey.objects.filter(pk=survey.pk).update(sent_at=when, expires_at=when + timedelta(days=400))


@pytest.fixture
def month_of_answers(desk, solved, survey_of):
    team = desk.team("Billing")
    customer = desk.customer("sofia@example.com", name="Sofia Marsh")
    answers = [
        (5, "Kate fixed it in minutes, thank you Sofia says!", "balanced", {"present": True}),
        (4, "Clear explanation, step by step.", "balanced", {"present": True}),
        (5, "", "balanced", {"present": False}),
        (2, "Waited a week for order 99812.", "too_much", {"present": False}),
        (1, "Nobody listened.", "too_little", {"present": True}),
        (3, "", "too_little", {"present": False}),
    ]
    surveys = []
    for index, (rating, comment, balance, step) in enumerate(answers):
        ticket, _agent = solved(
            team=team,
            customer=customer,
            review={"balance": balance, "next_step": step, "findings": [{"kind": "over_apology"}]},
        )
        survey = survey_of(ticket)
        _in_month(survey, 3 + index)
        survey.refresh_from_db()
        services.answer_survey(survey=survey, rating=rating, comment=comment)
        surveys.append(survey)
    unanswered, _agent = solved(team=team)
    _in_month(survey_of(unanswered), 20)
    return team


def test_the_figures(month_of_answers):
    data = reports.build(team=month_of_answers, month=MONTH)
    summary = data["summary"]
    assert (summary["sent"], summary["answered"]) == (7, 6)
    assert (summary["good"], summary["neutral"], summary["bad"]) == (3, 1, 2)
    assert summary["csat"] == pytest.approx(0.5)
    assert summary["happiness"] == pytest.approx(1 / 6)
    assert summary["mean_five"] == pytest.approx(20 / 6)
    interval = scales.wilson(3, 6)
    assert (summary["csat_low"], summary["csat_high"]) == pytest.approx(
        (interval.low, interval.high)
    )
    assert data["trend"][-1]["month"] == "2026-11" and len(data["trend"]) == 6
    [agent_row] = data["by_agent"]
    assert agent_row["answered"] == 6


def test_does_the_coachs_advice_pay_off(month_of_answers):
    coach = reports.build(team=month_of_answers, month=MONTH)["coach"]
    balance = {row["key"]: row for row in coach["balance"]}
    assert (balance["balanced"]["answered"], balance["balanced"]["good"]) == (3, 3)
    assert balance["too_little"]["csat"] == 0
    assert balance["too_much"]["answered"] == 1
    steps = {row["key"]: row for row in coach["next_step"]}
    assert steps["with"]["answered"] == 3 and steps["without"]["answered"] == 3


def test_positive_comments_are_all_there_anonymised_and_grouped(month_of_answers):
    data = reports.build(team=month_of_answers, month=MONTH)
    assert data["positive"]["count"] == 2
    texts = [c["text"] for group in data["positive"]["themes"].values() for c in group]
    assert not any("Sofia" in t or "Kate" in t for t in texts)
    assert set(data["positive"]["themes"]) <= {"speed", "kindness", "solved", "clarity", "other"}
    [wait, _nobody] = data["negative"]["comments"]
    assert "99812" not in wait["text"]
    assert wait["coach"]["balance"] == "too_much"
    assert wait["coach"]["replies"][0]["findings"] == ["over_apology"]


def test_the_report_takes_the_same_queries_for_a_bigger_month(
    desk, solved, survey_of, month_of_answers
):
    with CaptureQueriesContext(connection) as small:
        reports.build(team=month_of_answers, month=MONTH)
    for _ in range(5):
        ticket, _agent = solved(team=month_of_answers)
        survey = survey_of(ticket)
        _in_month(survey, 25)
        services.answer_survey(
            survey=Survey.objects.get(pk=survey.pk), rating=5, comment="Great, fast."
        )
    with CaptureQueriesContext(connection) as large:
        reports.build(team=month_of_answers, month=MONTH)
    assert len(small) == len(large) <= 12


def test_page_pdf_and_email(client, desk, month_of_answers):
    lead = desk.lead("billinglead", teams=[month_of_answers])
    lead.email = "lead@example.com"
    lead.save()
    report = reports.generate(team=month_of_answers, month=MONTH)
    assert bytes(report.pdf).startswith(b"%PDF")
    client.force_login(lead)
    page = client.get(f"/satisfaction/reports/{report.pk}/")
    html = page.content.decode()
    assert page.status_code == 200
    assert 'id="chart-coach"' in html and "chart.umd.min.js" in html
    assert "Sofia" not in html
    pdf = client.get(f"/satisfaction/reports/{report.pk}/pdf/")
    assert pdf["Content-Type"] == "application/pdf"
    if shutil.which("pdftotext"):
        text = subprocess.run(
            ["pdftotext", "-", "-"],
            input=b"".join(pdf.streaming_content) if pdf.streaming else pdf.content,
            capture_output=True,
            check=True,
        ).stdout.decode()
        assert "fixed it in minutes" in text and "Sofia" not in text
    assert reports.email_report(report, url="http://desk/r") == 1
    [sent] = mail.outbox
    assert sent.to == ["lead@example.com"] and sent.attachments[0][2] == "application/pdf"


def test_the_first_of_the_month_makes_every_report_once(desk, month_of_answers):
    from django.utils import timezone

    assert MonthlyReport.objects.count() == 0
    result = reports.monthly(today=date(2026, 12, 1))
    assert result.reports == 2  # the desk and Billing
    reports.monthly(today=date(2026, 12, 1))
    assert MonthlyReport.objects.count() == 2
    assert MonthlyReport.objects.filter(emailed_at__isnull=True).count() <= 2
    assert timezone.now()  # the beat task runs the same code
    assert callable(monthly_reports)


def test_only_people_of_the_team_read_its_report(client, desk, month_of_answers):
    report = reports.generate(team=month_of_answers, month=MONTH, with_pdf=False)
    outsider = desk.agent("outsider", teams=[desk.team("Other")])
    client.force_login(outsider)
    assert client.get(f"/satisfaction/reports/{report.pk}/").status_code == 404
    assert client.get(f"/satisfaction/reports/{report.pk}/pdf/").status_code == 404
    assert (
        client.post(
            "/satisfaction/reports/generate/",
            {"month": "2026-11", "team": str(month_of_answers.pk)},
        ).status_code
        == 403
    )
    assert (
        client.post(
            "/satisfaction/reports/generate/", {"month": "2026-11", "team": "desk"}
        ).status_code
        == 403
    )


@pytest.mark.parametrize("month", ["", "2026-13", "November", "2026-11-01'--"])
def test_a_bad_month_is_refused(client, desk, month):
    admin = desk.admin()
    client.force_login(admin)
    response = client.post("/satisfaction/reports/generate/", {"month": month, "team": "desk"})
    assert response.status_code == 302 and MonthlyReport.objects.count() == 0


def test_the_pdf_prints_every_positive_comment_a_line_in_highlighted_runs(month_of_answers):
    report = reports.generate(team=month_of_answers, month=MONTH, with_pdf=False)
    many = [{"text": f"Comment number {i} was lovely", "language": "en"} for i in range(120)]
    hostile = [
        {"text": "<script>alert(1)</script> & <b>bold</b>", "language": "en"},
        {"text": "Line one\n\nline   two\r\nline three", "language": "en"},
        {"text": "Очень быстро, спасибо! " * 40, "language": "ru"},
        {"text": "", "language": "es"},
    ]
    report.data["positive"] = {"count": 124, "themes": {"speed": many, "other": hostile}}
    html = report_html(report, pdf=True)
    # 120 comments in runs of 50 (3 blocks), the 4 hostile ones in one block.
    assert html.count('class="highlight run"') == 3 + 1
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert "“Line one line two line three”" in html
    runs = presenters.comment_runs(many)
    assert [len(run.split("\n")) for run in runs] == [50, 50, 20]
    assert runs[0].split("\n")[0] == "“Comment number 0 was lovely”"
    body = render_pdf(report, language="en")
    assert body.startswith(b"%PDF")
    if shutil.which("pdftotext"):
        text = subprocess.run(
            ["pdftotext", "-", "-"], input=body, capture_output=True, check=True
        ).stdout.decode()
        # Every comment, each on its own line of the page.
        lines = {line.strip() for line in text.splitlines()}
        assert all(f"“Comment number {i} was lovely”" in lines for i in range(120))
        assert "<script>alert(1)</script> & <b>bold</b>" in text


def test_the_web_page_keeps_a_box_per_comment_with_its_language(client, desk, month_of_answers):
    report = reports.generate(team=month_of_answers, month=MONTH, with_pdf=False)
    lead = desk.lead("pagelead", teams=[month_of_answers])
    client.force_login(lead)
    html = client.get(f"/satisfaction/reports/{report.pk}/").content.decode()
    assert 'class="highlight run"' not in html
    assert '<div class="highlight" lang="en">“Clear explanation, step by step.”</div>' in html
