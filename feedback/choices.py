"""The fixed lists of a feedback: status, channel, customer request, category, severity, close reason, satisfaction
(DOMAIN.md's names; the values are stored, the labels translated)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Status(models.TextChoices):
    DRAFT = "draft", _("Draft")
    REGISTERED = "registered", _("Awaiting verification")
    VERIFIED = "verified", _("Awaiting assignment")
    ASSIGNED = "assigned", _("Awaiting CAPA")
    IN_PROGRESS = "in_progress", _("Measures in progress")
    PENDING_CLOSE = "pending_close", _("Awaiting closing")
    CLOSED = "closed", _("Closed")
    VOIDED = "voided", _("Voided")


class Channel(models.TextChoices):
    HOTLINE = "hotline", _("Customer service hotline")
    EMAIL = "email", _("Official e-mail")
    ONLINE_CHAT = "online_chat", _("Online chat")
    DEALER = "dealer", _("Dealer or store")
    THIRD_PARTY = "third_party", _("Third-party complaint platform")
    OTHER = "other", _("Other")


class CustomerRequest(models.TextChoices):
    REPAIR = "repair", _("Repair")
    EXCHANGE = "exchange", _("Exchange")
    RETURN = "return", _("Return")
    COMPENSATION = "compensation", _("Compensation")
    SUGGESTION = "suggestion", _("Improvement suggestion")
    ENQUIRY = "enquiry", _("Enquiry")


class Category(models.TextChoices):
    FUNCTIONAL = "functional", _("Functional failure")
    PERFORMANCE = "performance", _("Performance nonconformance")
    APPEARANCE = "appearance", _("Appearance / workmanship")
    SERVICE = "service", _("Service")


class Severity(models.TextChoices):
    GENERAL = "I", _("Ⅰ General")
    SERIOUS = "II", _("Ⅱ Serious")
    URGENT = "III", _("Ⅲ Urgent")


class CloseReason(models.TextChoices):
    RESOLVED = "resolved", _("Resolved")
    NOT_CONFIRMED = "not_confirmed", _("Not confirmed")
    DUPLICATE = "duplicate", _("Duplicate")


class Satisfaction(models.TextChoices):
    SATISFIED = "satisfied", _("Satisfied")
    BASIC = "basic", _("Basically satisfied")
    UNSATISFIED = "unsatisfied", _("Unsatisfied")
