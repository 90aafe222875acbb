"""Learning: what a learner does in a course. ``enrolling`` (courses open to them, the live version,
enrolments), ``progress`` (lessons done, figures, completion online or by attendance),
``quizzes`` (attempts and submission, graded by ``grading``), ``surveys``, ``reflections`` (a
lesson's private 個人ワーク), and ``errors`` (LearningError).

May import ``infra``, ``certificates`` and ``statistics``: completing an enrolment issues its
certificate and counts the supporter in the same transaction (``progress.completion_effects``).
"""
