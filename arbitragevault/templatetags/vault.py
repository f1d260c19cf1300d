"""Template helpers of the dashboard: URLs that keep the current filters, money and numbers."""

import re
from decimal import Decimal, InvalidOperation

from django import template
from django.utils.html import format_html
from django.utils.safestring import mark_safe

register = template.Library()


@register.simple_tag(takes_context=True)
def url_with(context, **changes):
    """The current URL's query string with some parameters replaced (None removes one)."""
    query = context["request"].GET.copy()
    for key, value in changes.items():
        if value is None or value == "":
            query.pop(key, None)
        else:
            query[key] = value
    encoded = query.urlencode()
    return f"?{encoded}" if encoded else "?"


@register.simple_tag(takes_context=True)
def page_url(context, param, number):
    return url_with(context, **{param: number})


@register.simple_tag(takes_context=True)
def per_page_url(context, per_page):
    """Another page size; back to the first page, so the rows in view stay meaningful."""
    return url_with(context, per_page=per_page, page=None)


@register.simple_tag(takes_context=True)
def sort_url(context, field):
    """Click once for descending, again for ascending; resets the page and the view."""
    current = context["request"].GET.get("ordering", "")
    new = field if current == f"-{field}" else f"-{field}"
    return url_with(context, ordering=new, page=None, view=None)


@register.simple_tag(takes_context=True)
def sort_mark(context, field):
    current = context["request"].GET.get("ordering", "")
    if current == f"-{field}":
        return "▼"
    if current == field:
        return "▲"
    return ""


@register.simple_tag(takes_context=True)
def sort_aria(context, field):
    """aria-sort on a column header, for screen readers."""
    current = context["request"].GET.get("ordering", "")
    if current == f"-{field}":
        return mark_safe('aria-sort="descending"')
    if current == field:
        return mark_safe('aria-sort="ascending"')
    return ""


def _decimal(value) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return None


@register.filter
def money(value):
    """$1,234.50 and −$3.92; an em dash when there is no value (never a fake zero)."""
    value = _decimal(value)
    if value is None:
        return "—"
    sign = "−" if value < 0 else ""
    return f"{sign}${abs(value):,.2f}"


@register.filter
def signed_money(value):
    if _decimal(value) is None:
        return "—"
    css = "neg" if _decimal(value) < 0 else "pos"
    return format_html('<span class="{}">{}</span>', css, money(value))


@register.filter
def pct(value):
    value = _decimal(value)
    if value is None:
        return "—"
    return f"{'−' if value < 0 else ''}{abs(value):,.2f}%"


@register.filter
def roi(value):
    """ROI is clamped to ±9,999.99 % (DOMAIN.md §5): say so rather than print a false figure."""
    value = _decimal(value)
    if value is None:
        return "—"
    if abs(value) >= Decimal("9999.99"):
        return f"{'≥' if value > 0 else '≤ −'} {abs(value):,.2f}%"
    return f"{'−' if value < 0 else ''}{abs(value):,.2f}%"


@register.filter
def number(value, places=0):
    value = _decimal(value)
    if value is None:
        return "—"
    return f"{'−' if value < 0 else ''}{abs(value):,.{int(places)}f}"


_LINE_PREFIX = re.compile(r"^line \d+:\s*")


@register.filter
def without_line_prefix(message):
    """Row errors start with "line N:" for exports and the API; the table has a Line column."""
    text = _LINE_PREFIX.sub("", message or "")
    return text[:1].upper() + text[1:]


@register.filter
def duration(start, end):
    """How long a run took: "4 seconds", "3 min 20 s", "1 h 05 min"."""
    if not start or not end:
        return ""
    seconds = max(0, round((end - start).total_seconds()))
    if seconds < 60:
        return f"{seconds} second{'' if seconds == 1 else 's'}"
    minutes, seconds = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes} min {seconds:02d} s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} min"
