"""Analyses outside a batch run: the quick lookup (the same receipt, nothing stored but the
cache), and analyses computed elsewhere and stored through the API."""

import re
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils import timezone

from accounts.services import config_resolve
from analyses.engine.identifiers import Identifier, InvalidIdentifier, parse_identifier

MAX_LOOKUP = 20
_SPLIT = re.compile(r"[\s,;]+")


@dataclass
class LookupLine:
    raw: str
    identifier: Identifier | None = None
    error: str = ""
    record: object = None  # analyses.market.service.MarketRecord
    result: object = None  # analyses.engine.Result
    # Filled by the page that shows the line:
    anchor: str = ""
    receipt: dict = field(default_factory=dict)
    urls: dict = field(default_factory=dict)


def split_identifiers(text: str) -> list[str]:
    """The identifiers of a lookup box: one per line, or separated by commas or semicolons."""
    return [raw for raw in _SPLIT.split(text.strip()) if raw]


def lookup_books(*, user, text: str, cost: Decimal, condition: str, config=None, market=None):
    """Analyses up to MAX_LOOKUP identifiers at one cost, exactly as a batch would, without
    creating one. Market data comes from the shared cache first (a repeat costs no token)."""
    from analyses.engine import ItemInput, analyze, parse_config

    raws = split_identifiers(text)[:MAX_LOOKUP]
    lines = []
    for raw in raws:
        try:
            lines.append(LookupLine(raw, identifier=parse_identifier(raw)))
        except InvalidIdentifier as exc:
            lines.append(LookupLine(raw, error=str(exc)))
    wanted = [line.identifier for line in lines if line.identifier]
    if not wanted:
        return lines
    if market is None:
        from analyses.market.service import market_service

        market = market_service()
    _, effective = config_resolve(user=user, config=config)
    engine_config = parse_config(effective)
    fetched = market.fetch(wanted)
    today = timezone.localdate()
    for line in lines:
        if line.identifier is None:
            continue
        key = line.identifier.lookup_value
        if key in fetched.errors:
            line.error = f"market data unavailable: {fetched.errors[key].message}"
            continue
        line.record = fetched.records.get(key)
        if line.record is None or line.record.snapshot is None:
            line.error = "not found on Amazon" + (
                f" ({line.record.reason})" if line.record and line.record.reason else ""
            )
            continue
        line.result = analyze(
            line.record.snapshot, ItemInput(cost=cost, condition=condition), engine_config, today
        )
    return lines


class AnalysisDuplicate(ValueError):
    """The batch already has an analysis for this book (the API answers 409)."""


def analysis_create_external(*, batch, fields: dict):
    """Stores an analysis computed outside ArbitrageVault (the seed's POST /analyses), marked
    `external`; without a decision of its own it is REVIEW. The batch's `updated_at` records
    that its analyses changed."""
    from django.db import IntegrityError, transaction

    from analyses.models import Analysis, MarketSource, Recommendation
    from batches.models import Batch

    fields = dict(fields)
    reasons = fields.pop("reasons", None)
    if not fields.get("recommendation"):
        fields["recommendation"] = Recommendation.REVIEW
        reasons = reasons or [
            {"code": "external", "message": "Computed outside ArbitrageVault: review it."}
        ]
    duplicate = AnalysisDuplicate(
        f"Batch {batch.pk} already has an analysis for {fields['isbn_or_asin']}."
    )
    if Analysis.objects.filter(batch=batch, isbn_or_asin=fields["isbn_or_asin"]).exists():
        raise duplicate
    try:
        with transaction.atomic():
            analysis = Analysis.objects.create(
                user=batch.user,
                batch=batch,
                market_source=MarketSource.EXTERNAL,
                reasons=[dict(r) for r in reasons or []],
                **fields,
            )
            Batch.objects.filter(pk=batch.pk).update(updated_at=timezone.now())
    except IntegrityError as exc:  # the same book stored by a concurrent request
        raise duplicate from exc
    return analysis
