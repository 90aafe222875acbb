"""Evaluation (評価・検証): did the course change anything?

``answers`` (the self-assessment asked before the first lesson and after completion, kept in
anonymous pairs; skipping; the follow-up about three months later), ``maths`` (mean change with
a t-distribution confidence interval, written out so it can be checked by hand) and ``reports``
(pairs, means before and after, change, improved/same/declined and follow-up counts for a cohort,
an organisation, an area or the nation, with small-cell suppression).

May import ``infra``, ``learning``, ``statistics`` and ``content``; nothing imports it except
``demo``. Learning never waits for it: every questionnaire is optional and skippable.
"""
