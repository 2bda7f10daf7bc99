"""``{{ value|mask_phone }}`` / ``{{ value|mask_email }}``: a customer's contact, masked (accounts.privacy)."""

from django import template

from accounts import privacy

register = template.Library()
register.filter("mask_phone", privacy.mask_phone)
register.filter("mask_email", privacy.mask_email)
