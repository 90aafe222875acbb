"""Shared by the security tests: every route of the app, filled with harmless arguments."""
from __future__ import annotations

import re

from flask import Flask
from werkzeug.routing.converters import AnyConverter

# Any value that matches the converter: the checks here run before a view loads its object.
ARGUMENT_VALUES = {"slug": "tsunagari-adult", "key": "kodoku-koritsu", "path": "images/none.png",
                   "template": "adult", "token": "x" * 43, "code": "ABCD-EFGH-JKLM-NPQR", "fmt": "csv"}


def fill_any_converters(rule, args: dict) -> dict:
    """Replace values an `any(...)` converter would refuse (e.g. `phase`, `fmt`) with its first item."""
    for name, converter in rule._converters.items():
        if isinstance(converter, AnyConverter) and args.get(name) not in converter.items:
            args[name] = sorted(converter.items)[0]
    return args


def url_for_rule(rule, values: dict | None = None) -> str:
    args = {arg: (values or {}).get(arg, ARGUMENT_VALUES.get(arg, 1)) for arg in rule.arguments}
    fill_any_converters(rule, args)
    args.update(rule.defaults or {})
    return rule.build(args)[1]


def rules(app: Flask, method: str):
    """(rule, url) for every rule answering `method`, static files left out."""
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if method in rule.methods and rule.endpoint != "static":
            yield rule, url_for_rule(rule)


def text_of(response) -> str:
    return response.get_data(as_text=True)


def squeeze(text: str) -> str:
    """Text without any white space: PDF text extraction breaks lines where the layout does."""
    return re.sub(r"\s+", "", text)
