from django.contrib import admin, messages
from django.http import HttpRequest
from django.utils.translation import gettext as _

from tactful.api.models import ApiToken
from tactful.api.services import issue_token, revoke_token


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """Adding a token shows its secret once, in a message; only a hash is kept."""

    list_display = ["name", "agent", "prefix", "created_at", "last_used_at", "revoked"]
    list_filter = ["revoked"]
    fields = ["agent", "name", "revoked", "prefix", "created_at", "last_used_at"]
    readonly_fields = ["prefix", "created_at", "last_used_at"]
    raw_id_fields = ["agent"]

    def save_model(self, request: HttpRequest, obj: ApiToken, form, change: bool) -> None:  # type: ignore[no-untyped-def]
        if change:
            revoking = "revoked" in form.changed_data and obj.revoked
            super().save_model(request, obj, form, change)
            if revoking:
                revoke_token(token=obj, by=request.user)  # type: ignore[arg-type]
            return
        token, raw = issue_token(agent=obj.agent, name=obj.name, by=request.user)  # type: ignore[arg-type]
        obj.pk = token.pk
        obj.prefix = token.prefix
        obj.key_hash = token.key_hash
        obj.created_at = token.created_at
        messages.warning(
            request, _("Copy this token now; it is not shown again: %(token)s") % {"token": raw}
        )
