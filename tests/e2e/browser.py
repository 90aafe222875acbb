"""What every browser journey does on every page: wait for it, fail on console errors and CSP
violations, run axe-core, check the phone layout, take a screenshot."""
from __future__ import annotations

import json
import re
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from playwright.sync_api import Page

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "tests" / "_artifacts" / "e2e"
AXE_JS = ROOT / "quality" / "node_modules" / "axe-core" / "axe.min.js"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
# axe impacts that fail a journey; "moderate" and "minor" are written to the report only.
BLOCKING_IMPACTS = {"serious", "critical"}


class AccessibilityError(AssertionError):
    pass


@dataclass
class Journey:
    """One browser tab walking a journey; `check(label)` after every page it reaches."""

    page: Page
    name: str
    axe: bool = True
    max_width: int | None = None  # phone runs: the page must not scroll sideways
    console_errors: list[str] = field(default_factory=list)
    pages_checked: list[dict] = field(default_factory=list)
    step: int = 0

    def __post_init__(self) -> None:
        (ARTIFACTS / self.name).mkdir(parents=True, exist_ok=True)
        for old in (ARTIFACTS / self.name).glob("*.png"):
            old.unlink()
        self.page.on("console", self._console)
        self.page.on("pageerror", lambda error: self.console_errors.append(f"page error: {error}"))
        self.page.on("response", self._response)

    def _console(self, message) -> None:
        # A CSP violation or a script error is a failure even when the page still works. Failed
        # loads are reported by _response, with their address.
        if message.type == "error" and not message.text.startswith("Failed to load resource"):
            self.console_errors.append(message.text)

    def _response(self, response) -> None:
        # Stylesheets, scripts, images and fetches must load; the page itself may answer 4xx
        # (a form with errors answers 400), and browsers ask for /favicon.ico on their own.
        if (response.status >= 400 and response.request.resource_type != "document"
                and not response.url.endswith("/favicon.ico")):
            self.console_errors.append(f"{response.status} {response.request.method} {response.url}")

    @property
    def path(self) -> str:
        return re.sub(r"^https?://[^/]+", "", self.page.url)

    def check(self, label: str) -> None:
        page = self.page
        page.wait_for_load_state("load")
        self.step += 1
        shot = ARTIFACTS / self.name / f"{self.step:02d}-{label}.png"
        page.screenshot(path=str(shot), full_page=True)
        body = page.locator("body").inner_text()
        assert "Traceback" not in body and "Internal Server Error" not in body, f"{label}: server error at {self.path}"
        errors = list(self.console_errors)
        assert not errors, f"{label} ({self.path}): browser console errors: {errors}"
        record = {"step": self.step, "label": label, "path": self.path, "title": page.title()}
        if self.max_width:
            width = page.evaluate("document.documentElement.scrollWidth")
            record["scroll_width"] = width
            assert width <= self.max_width, f"{label} ({self.path}): the page is {width}px wide on a {self.max_width}px screen"
        if self.axe:
            record["axe"] = run_axe(page, label)
        self.pages_checked.append(record)

    def write_report(self) -> Path:
        out = ARTIFACTS / self.name / "pages.json"
        out.write_text(json.dumps(self.pages_checked, ensure_ascii=False, indent=2))
        return out


def run_axe(page: Page, label: str) -> dict:
    """Inject axe-core (evaluated by the test, so the page's CSP stays on) and run it; serious and
    critical violations fail, with the rule, the elements and how to fix them in the message."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate(AXE_JS.read_text(encoding="utf-8") + "\n;0")
    result = page.evaluate("""async () => {
        const r = await axe.run(document, {resultTypes: ['violations']});
        return r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
            nodes: v.nodes.slice(0, 5).map(n => ({target: n.target.join(' '), summary: n.failureSummary}))}));
    }""")
    blocking = [v for v in result if v["impact"] in BLOCKING_IMPACTS]
    if blocking:
        lines = [f"{v['impact']} {v['id']}: {v['help']}\n    " +
                 "\n    ".join(f"{n['target']}: {n['summary']}" for n in v["nodes"]) for v in blocking]
        raise AccessibilityError(f"axe on {label} ({page.url}):\n" + "\n".join(lines))
    return {v["id"]: v["impact"] for v in result}


def qr_from_pdf(pdf: Path) -> str:
    """The text of the QR code printed on the first page of a PDF (pdftoppm + zbarimg)."""
    prefix = pdf.with_suffix("")
    subprocess.run(["pdftoppm", "-r", "200", "-png", "-f", "1", "-l", "1", str(pdf), str(prefix)], check=True)
    image = next(pdf.parent.glob(prefix.name + "*.png"))
    out = subprocess.run(["zbarimg", "--raw", "-q", str(image)], capture_output=True, text=True, check=True)
    codes = out.stdout.split()
    assert len(codes) == 1, f"expected one QR code in {pdf.name}, found {codes}"
    return codes[0]


def tab_to(page: Page, selector: str, *, limit: int = 250, backwards: bool = False) -> None:
    """Press Tab (or Shift+Tab) until the focused element matches `selector`: the keyboard user's
    way of reaching a control. Fails when it cannot be reached."""
    key = "Shift+Tab" if backwards else "Tab"
    for _ in range(limit):
        if page.evaluate("s => !!document.activeElement && document.activeElement.matches(s)", selector):
            return
        page.keyboard.press(key)
    raise AssertionError(f"{selector} cannot be reached with {key} from {page.url}")


def focused(page: Page) -> str:
    return page.evaluate("(() => { const e = document.activeElement; "
                         "return e ? e.outerHTML.slice(0, 200) : ''; })()")
