"""Health checks for load balancers and orchestrators."""

import logging
from datetime import timedelta

from django.conf import settings
from django.db import connection
from django.http import JsonResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

logger = logging.getLogger(__name__)


@never_cache
@require_GET
def health(request):
    """Liveness: the process answers. No authentication, no database."""
    return JsonResponse({"status": "ok"})


@never_cache
@require_GET
def ready(request):
    """Readiness: the database answers and background tasks are being picked up (503 if not)."""
    checks, failures = {}, []
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        checks["database"] = "ok"
    except Exception as exc:  # any driver error means "not ready"
        checks["database"] = "error"
        # The driver's message names hosts and users: logged, not shown to anonymous callers.
        logger.warning("readiness: database check failed", exc_info=exc)
        failures.append(f"database: {exc.__class__.__name__}")
    if checks["database"] == "ok":
        checks["tasks"], problem = _task_worker_check()
        if problem:
            failures.append(problem)
    body = {"status": "ok" if not failures else "error", "checks": checks}
    if failures:
        body["failures"] = failures
    return JsonResponse(body, status=503 if failures else 200)


def _task_worker_check() -> tuple[str, str]:
    backend = settings.TASKS["default"]["BACKEND"]
    if not backend.startswith("django_tasks_db"):
        return "ok (tasks run in-process)", ""
    from django_tasks_db.models import DBTaskResult

    limit = timedelta(seconds=getattr(settings, "HEALTH_TASK_BACKLOG_SECONDS", 300))
    # `ready()`: tasks due now, including those enqueued without a delay (stored with the
    # backend's "far future" run_after, which a plain `run_after <= now` would miss).
    oldest = (
        DBTaskResult.objects.ready()
        .order_by("enqueued_at")
        .values_list("enqueued_at", flat=True)
        .first()
    )
    if oldest is not None and timezone.now() - oldest > limit:
        waited = int((timezone.now() - oldest).total_seconds() // 60)
        return "error", (
            f"tasks: the oldest task has waited {waited} min; is a worker "
            "(manage.py db_worker) running?"
        )
    return "ok", ""
