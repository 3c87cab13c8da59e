"""Chat pages: the widget script, a page to try the widget, and the embed codes for admins."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from tactful.accounts.models import Team
from tactful.livechat import services, widget


@require_GET
def widget_js(request: HttpRequest) -> HttpResponse:
    """``<script src="…/chat/widget.js?team=…" data-team="…" async>``: plain JavaScript, no
    cookies; ``team`` picks the team's Spanish register (*usted* without it)."""
    team = request.GET.get("team", "")
    spanish = services.spanish_address(team) if team else "usted"
    response = HttpResponse(
        widget.widget_script(spanish), content_type="text/javascript; charset=utf-8"
    )
    response["Cache-Control"] = "public, max-age=300"
    # Embedding pages may send Cross-Origin-Embedder-Policy; the script is meant for them.
    response["Cross-Origin-Resource-Policy"] = "cross-origin"
    return response


def _snippet(request: HttpRequest, team: Team) -> str:
    src = request.build_absolute_uri(f"/chat/widget.js?team={team.slug}")
    return f'<script src="{src}" data-team="{team.slug}" async></script>'


@require_GET
def try_widget(request: HttpRequest, slug: str) -> HttpResponse:
    """A plain page with the team's widget on it (the demo's visitor side)."""
    lang = request.GET.get("lang", "")
    team = Team.objects.filter(slug=slug).only("name", "slug").first()
    if team is None:
        raise Http404
    return render(
        request,
        "livechat/try.html",
        {
            "team": team,
            "snippet": _snippet(request, team),
            "lang": lang if lang in widget.LANGUAGES else "",
        },
    )


@login_required
@require_GET
def embed_codes(request: HttpRequest) -> HttpResponse:
    """Every team's embed code, to paste into a website."""
    teams = list(Team.objects.exclude(slug__isnull=True).only("name", "slug").order_by("name"))
    rows = [{"team": team, "snippet": _snippet(request, team)} for team in teams]
    return render(request, "livechat/embed.html", {"rows": rows})
