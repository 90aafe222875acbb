"""Learning: enrolment, lesson progress, quiz and survey answers, completion (``learning``) and
grading of quiz answers (``grading``).

May import ``infra`` only; certificates and statistics react to completion through the hook that
``create_app`` connects.
"""
