"""The baseline of benchmark (a): a minimal Flask app returning a fixed string."""
from flask import Flask

app = Flask(__name__)


@app.route("/")
def index() -> str:
    return "Hello, Tsunagari"
