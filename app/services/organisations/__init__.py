"""Organisations (municipalities' offices, schools, councils) and their scope (``organisations``),
and the prefecture and municipality reference data with code checks (``municipalities``).

May import ``infra`` only.
"""
