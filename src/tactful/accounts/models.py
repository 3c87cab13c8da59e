"""Agents, roles and teams."""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    AGENT = "agent", _("Agent")
    LEAD = "lead", _("Team lead")
    ADMIN = "admin", _("Admin")


class UiLanguage(models.TextChoices):
    EN = "en", "English"
    ES = "es", "Español"
    RU = "ru", "Русский"


class AssignmentMode(models.TextChoices):
    ROUND_ROBIN = "round_robin", _("Round-robin (ticket count)")
    #: Hostile and high-intensity conversations are spread by each agent's emotional load.
    LOAD_AWARE = "load_aware", _("Load-aware (emotional load)")


class Team(models.Model):
    """A group of agents sharing a queue; tickets routed to a team are assigned round-robin."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    description = models.TextField(_("description"), blank=True)
    auto_assign = models.BooleanField(
        _("assign new tickets round-robin"),
        default=True,
        help_text=_("Assign each new ticket of this team to the next available member."),
    )
    assignment_mode = models.CharField(
        _("assignment mode"),
        max_length=12,
        choices=AssignmentMode.choices,
        default=AssignmentMode.ROUND_ROBIN,
    )
    #: Public address for the contact form and chat widget (``/contact/<slug>/``).
    slug = models.SlugField(_("public name"), max_length=60, unique=True, null=True, blank=True)
    #: The address replies are sent from (empty: TACTFUL_MAIL_FROM).
    email_address = models.EmailField(_("e-mail address"), blank=True)
    #: The member who got the last round-robin ticket; the next one goes to whoever follows.
    last_assigned = models.ForeignKey(
        "accounts.Agent",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("team")
        verbose_name_plural = _("teams")

    def __str__(self) -> str:
        return self.name


class Agent(AbstractUser):
    """A person who answers customers; the role decides what they may see and change."""

    role = models.CharField(_("role"), max_length=8, choices=Role.choices, default=Role.AGENT)
    language = models.CharField(
        _("interface language"), max_length=2, choices=UiLanguage.choices, default=UiLanguage.EN
    )
    teams = models.ManyToManyField(
        Team, blank=True, related_name="members", verbose_name=_("teams")
    )
    available = models.BooleanField(
        _("takes new tickets"),
        default=True,
        help_text=_("Round-robin assignment skips agents who are away."),
    )
    #: Customer languages this agent answers (``en``, ``es``, ``ru``); empty: any language.
    answers_languages = models.JSONField(
        _("answers customers in"),
        default=list,
        blank=True,
        help_text=_("Assignment gives this agent tickets in these languages; none ticked: any."),
    )
    #: Seniors take abusive and threatening conversations with the leads, so protection does
    #: not pile up on one lead.
    senior = models.BooleanField(
        _("senior"),
        default=False,
        help_text=_("Takes abusive and threatening conversations along with the team's leads."),
    )

    class Meta:
        ordering = ["username"]
        verbose_name = _("agent")
        verbose_name_plural = _("agents")

    def __str__(self) -> str:
        return self.get_full_name() or self.username

    def answers(self, language: str) -> bool:
        """Whether this agent answers customers writing in ``language`` (unknown: anyone)."""
        languages = self.answers_languages or []
        return not languages or language not in {"en", "es", "ru"} or language in languages

    @property
    def is_lead(self) -> bool:
        return self.role in {Role.LEAD, Role.ADMIN}

    @property
    def is_admin(self) -> bool:
        return self.role == Role.ADMIN or self.is_superuser

    def has_perm(self, perm: str, obj: object = None) -> bool:
        # Admins configure everything through the Django admin; other roles never reach it.
        if self.is_active and self.role == Role.ADMIN:
            return True
        return super().has_perm(perm, obj)

    def has_module_perms(self, app_label: str) -> bool:
        if self.is_active and self.role == Role.ADMIN:
            return True
        return super().has_module_perms(app_label)

    def save(self, *args: object, **kwargs: object) -> None:
        # The Django admin is the admins' tool: staff status follows the role.
        self.is_staff = self.role == Role.ADMIN or self.is_superuser
        if self.is_superuser:
            self.role = Role.ADMIN
        super().save(*args, **kwargs)  # type: ignore[arg-type]


class AuditKind(models.TextChoices):
    LOGIN = "login", _("Logged in")
    LOGIN_FAILED = "login_failed", _("Failed login")
    LOGIN_REFUSED = "login_refused", _("Login refused while locked")
    LOCKOUT = "lockout", _("Locked out")
    LOCKOUT_LIFTED = "lockout_lifted", _("Lockout lifted")
    ROLE_CHANGED = "role_changed", _("Role changed")
    TOKEN_ISSUED = "token_issued", _("API token issued")
    TOKEN_REVOKED = "token_revoked", _("API token revoked")
    TOKEN_FAILED = "token_failed", _("Wrong API token")
    TOKEN_REFUSED = "token_refused", _("API token refused while locked")
    TWO_FACTOR_ON = "2fa_on", _("Two-factor login turned on")
    TWO_FACTOR_OFF = "2fa_off", _("Two-factor login turned off")
    TWO_FACTOR_FAILED = "2fa_failed", _("Wrong two-factor code")
    CUSTOMER_ERASED = "customer_erased", _("Customer's personal data erased")
    RETENTION_ERASED = "retention_erased", _("Old personal data erased (retention)")
    CUSTOMER_BLOCKED = "customer_blocked", _("Customer blocked or suspended")
    CUSTOMER_UNBLOCKED = "customer_unblocked", _("Customer block lifted")


class AuditEvent(models.Model):
    """One security-relevant event, written by the services (never by a view).

    Failed logins and wrong tokens are also what the throttle counts: the log is the counter, so
    every process sees the same figures and an admin sees exactly what was counted.
    """

    at = models.DateTimeField(_("when"), default=timezone.now, db_index=True)
    kind = models.CharField(_("what"), max_length=20, choices=AuditKind.choices)
    #: Who did it (the admin who changed a role); None for anonymous attempts.
    actor = models.ForeignKey(
        Agent,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("by"),
    )
    #: The account concerned, when there is one (never set for unknown usernames).
    agent = models.ForeignKey(
        Agent,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("agent"),
    )
    #: The username as typed (lower-cased), also for accounts that do not exist.
    username = models.CharField(_("username"), max_length=150, blank=True)
    address = models.GenericIPAddressField(_("address"), null=True, blank=True)
    detail = models.JSONField(_("detail"), default=dict, blank=True)

    class Meta:
        ordering = ["-at", "-pk"]
        verbose_name = _("audit event")
        verbose_name_plural = _("audit log")
        indexes = [
            models.Index(fields=["kind", "username", "at"], name="audit_kind_username_at"),
            models.Index(fields=["kind", "address", "at"], name="audit_kind_address_at"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.username or ''} {self.address or ''}".strip()


class LockoutScope(models.TextChoices):
    ACCOUNT = "account", _("Account")
    LOGIN_ADDRESS = "login_address", _("Address (logins)")
    TOKEN_ADDRESS = "token_address", _("Address (API tokens)")


class Lockout(models.Model):
    """Too many failures on one account or from one address: refused until ``until``."""

    scope = models.CharField(_("scope"), max_length=16, choices=LockoutScope.choices)
    #: The lower-cased username or the IP address.
    key = models.CharField(_("locked"), max_length=150)
    created_at = models.DateTimeField(_("locked at"), default=timezone.now)
    until = models.DateTimeField(_("locked until"))
    failures = models.PositiveIntegerField(_("failures"), default=0)
    lifted_at = models.DateTimeField(_("lifted at"), null=True, blank=True)
    lifted_by = models.ForeignKey(
        Agent,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("lifted by"),
    )

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("lockout")
        verbose_name_plural = _("lockouts")
        indexes = [models.Index(fields=["scope", "key", "until"], name="lockout_scope_key_until")]

    def __str__(self) -> str:
        return f"{self.get_scope_display()}: {self.key}"

    @property
    def active(self) -> bool:
        return self.lifted_at is None and self.until > timezone.now()
