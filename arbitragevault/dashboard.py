"""What every dashboard view shares: login, the per-user scope and paginated, filtered lists."""

from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.paginator import Paginator

PER_PAGE_CHOICES = (25, 50, 100)


class OwnedMixin(LoginRequiredMixin):
    """The queryset is the user's own, once, for every view: another user's id is a 404."""

    def get_queryset(self):
        return super().get_queryset().for_user(self.request.user)


def per_page_from(request, default: int = 25) -> int:
    try:
        value = int(request.GET.get("per_page", default))
    except ValueError:
        return default
    return value if value in PER_PAGE_CHOICES else default


def paginate(request, queryset, *, per_page: int | None = None, param: str = "page"):
    """A page of `queryset` (a page number past the end shows the last page)."""
    paginator = Paginator(queryset, per_page or per_page_from(request))
    return paginator.get_page(request.GET.get(param))


def get_owned(request, model, **lookup):
    """One of the user's own objects (the same scope as OwnedMixin), else a 404."""
    from django.shortcuts import get_object_or_404

    return get_object_or_404(model.objects.for_user(request.user), **lookup)
