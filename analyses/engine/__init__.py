"""The analysis engine: pure Python, no Django, no clock (DOMAIN.md is its contract)."""
