"""Laksa demo data (placeholder until the demo lands)."""


def seed_all(context) -> str:
    return "0 new Laksa items"
