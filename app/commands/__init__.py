"""The `flask` commands, one module per group; each command is a thin wrapper around a service.

`register` is the one place they are added to the app's command line.
"""
from __future__ import annotations

from flask import Flask


def register(app: Flask) -> None:
    from app.commands.backup import backup_command
    from app.commands.cohorts import cohorts_cli
    from app.commands.content import content_cli
    from app.commands.demo import demo_command
    from app.commands.doctor import doctor_command
    from app.commands.evaluation import evaluation_cli
    from app.commands.jobs import jobs_cli
    from app.commands.municipalities import municipalities_cli
    from app.commands.privacy import privacy_cli
    from app.commands.statistics import statistics_cli
    from app.commands.users import users_cli

    for command in (content_cli, municipalities_cli, users_cli, cohorts_cli, statistics_cli, privacy_cli,
                    jobs_cli, backup_command, demo_command, doctor_command, evaluation_cli):
        app.cli.add_command(command)
