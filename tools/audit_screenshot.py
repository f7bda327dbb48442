"""The README's screenshot of the audit report: the examples' report, opened in headless Chromium
(tests/_browser.py), its first screen saved as docs/images/audit-report.png.

    python tools/audit_screenshot.py [--output docs/images/audit-report.png]

Needs Chromium (Debian: apt-get install chromium). Run it again when the report's look changes.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TODAY = "2026-11-22"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--output", default=str(ROOT / "docs" / "images" / "audit-report.png"))
    parser.add_argument("--width", type=int, default=1280)
    parser.add_argument("--height", type=int, default=1000)
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT / "tests"))
    import _browser

    binary = _browser.chromium_path()
    if binary is None:
        raise SystemExit("Chromium is not installed (apt-get install chromium)")
    with tempfile.TemporaryDirectory() as tmp:
        report = Path(tmp) / "audit.html"
        subprocess.run(
            [sys.executable, "-m", "aims_policy", "report", "manifests/", "--today", TODAY,
             "--no-config", "-o", str(report)],
            cwd=ROOT, check=True,
        )  # fmt: skip
        with _browser.browser(binary) as page:
            page.open(report.as_uri())
            if page.console or page.exceptions or page.requests != [report.as_uri()]:
                raise SystemExit(f"the page is not clean: {page.console} {page.exceptions}")
            Path(args.output).write_bytes(page.screenshot(args.width, args.height))
    print(args.output)


if __name__ == "__main__":
    main()
