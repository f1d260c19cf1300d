import json
from tests.api.conftest import *  # noqa

def show(r):
    body = (r.content if not r.streaming else b"".join(r.streaming_content))[:300]
    print(r.status_code, r.get("Content-Type"), dict((k, v) for k, v in r.items() if k in ("WWW-Authenticate", "Retry-After", "Allow")), body)

def test_probe(api, anon, completed_batch, user, settings):
    b = completed_batch.pk
    show(anon.get("/api/v1/batches"))
    show(api.delete("/api/v1/configs/defaults"))
    show(api.get("/api/v1/nope"))
    show(api.get("/api/v1/batches/"))
    show(api.get(f"/api/v1/batches/{b}/export", HTTP_ACCEPT="text/csv"))
    show(api.get(f"/api/v1/batches/{b}/export?format=xlsx", HTTP_ACCEPT="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"))
    show(api.get(f"/api/v1/batches/{b}/export?format=pdf"))
    show(api.get(f"/api/v1/batches/{b}/export?roi_min=abc"))
    show(api.post("/api/v1/configs", {"name": "a", "config_data": {"thresholds": {"min_roi_pct": -5}, "bogus": 1}}, format="json"))
    show(api.post("/api/v1/configs", {"name": "b", "config_data": [1]}, format="json"))
    show(api.post("/api/v1/analyses", {"batch_id": str(b), "isbn_or_asin": "0-13-468599-7", "buy_price": 1, "velocity_score": 101}, format="json"))
    show(api.post("/api/v1/analyses", {"batch_id": str(b), "isbn_or_asin": "0-13-468599-7", "buy_price": 1}, format="json"))
    show(api.post("/api/v1/analyses", {"batch_id": str(b), "isbn_or_asin": "9780134685991", "buy_price": 1}, format="json"))
    show(api.get("/api/v1/batches", HTTP_ACCEPT="text/html"))
    show(api.get(f"/api/v1/batches/{b}/items?status=NOPE"))
    show(api.get(f"/api/v1/analyses?ordering=100%"))
    show(api.post("/api/v1/batches", {"items": []}, format="json"))
    show(api.post("/api/v1/batches", {}, format="json"))
    show(api.post("/api/v1/batches", {"items": [{"identifier": {"a": 1}, "cost": [1]}]}, format="json"))
    show(api.post("/api/v1/batches", "not json", content_type="application/json"))
    settings.API_THROTTLE_RATE = "2/minute"
    for _ in range(3):
        r = api.get("/api/v1/configs")
    show(r)
