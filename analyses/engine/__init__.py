"""The analysis engine: pure Python, no Django, no clock (DOMAIN.md is its contract)."""

from analyses.engine.analyze import ItemInput, analyze
from analyses.engine.config import (
    DEFAULT_CONFIG,
    ConfigError,
    EngineConfig,
    parse_config,
    validate_config,
)
from analyses.engine.decision import Reason
from analyses.engine.ratecards import available_rate_cards, rate_card_choices
from analyses.engine.result import Result

__all__ = [
    "DEFAULT_CONFIG",
    "ConfigError",
    "EngineConfig",
    "ItemInput",
    "Reason",
    "Result",
    "analyze",
    "available_rate_cards",
    "parse_config",
    "rate_card_choices",
    "validate_config",
]
