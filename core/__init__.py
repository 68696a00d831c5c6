"""Shared machinery below every app: what several apps need and none owns.

It imports no app of the project (tenants, catalog, billing, grants, …), so any
of them may use it.
"""
