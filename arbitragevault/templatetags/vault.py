"""Template helpers of the dashboard: URLs that keep the current filters, money and numbers."""

from decimal import Decimal

from django import template
from django.utils.html import format_html

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


@register.filter
def money(value):
    """$1,234.50; an em dash when there is no value (never a fake zero)."""
    if value is None or value == "":
        return "—"
    value = Decimal(value)
    sign = "−" if value < 0 else ""
    return f"{sign}${abs(value):,.2f}"


@register.filter
def signed_money(value):
    if value is None or value == "":
        return "—"
    css = "neg" if Decimal(value) < 0 else "pos"
    return format_html('<span class="{}">{}</span>', css, money(value))


@register.filter
def pct(value):
    if value is None or value == "":
        return "—"
    return f"{Decimal(value):,.2f}%"


@register.filter
def roi(value):
    """ROI is clamped to ±9,999.99 % (DOMAIN.md §5): say so rather than print a false figure."""
    if value is None or value == "":
        return "—"
    value = Decimal(value)
    if abs(value) >= Decimal("9999.99"):
        return f"{'≥' if value > 0 else '≤'} {value:,.2f}%"
    return f"{value:,.2f}%"


@register.filter
def number(value, places=0):
    if value is None or value == "":
        return "—"
    return f"{Decimal(value):,.{int(places)}f}"
