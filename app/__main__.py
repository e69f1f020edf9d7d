"""``strata [FILE] [--screenshot PNG --quit] [--theme light]``: start the studio."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="strata",
        description="Strata Studio: design, check and save Keras-compatible neural networks.",
    )
    parser.add_argument("file", nargs="?", help="a model to open (.h5, .json or .yaml); the demo MLP otherwise")
    parser.add_argument(
        "--theme", choices=("dark", "light"), help="colour theme (default: the last one chosen, else dark)"
    )
    parser.add_argument("--screenshot", metavar="PNG", help="render the main window to this PNG file")
    parser.add_argument("--quit", action="store_true", help="exit after opening (and taking the screenshot)")
    parser.add_argument("--size", default="1400x860", help="window size as WIDTHxHEIGHT (default: 1400x860)")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        width, height = (int(v) for v in args.size.lower().split("x"))
    except ValueError:
        print(f"strata: --size must look like 1400x860, got {args.size!r}", file=sys.stderr)
        return 2
    from PySide6.QtWidgets import QApplication

    from app.files import open_document
    from app.main_window import MainWindow

    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName("Strata Studio")
    doc = None
    if args.file:
        try:
            doc = open_document(args.file)
        except Exception as error:  # noqa: BLE001 - any failure is reported as a clear message
            print(f"strata: cannot open '{args.file}': {error}", file=sys.stderr)
            return 2
    window = MainWindow(doc, theme=args.theme)
    if args.file:
        window.path = Path(args.file)
        window._update_title()
    window.resize(width, height)
    window.show()
    app.processEvents()
    window.canvas.fit_all()
    app.processEvents()
    if args.screenshot:
        if not window.grab().save(args.screenshot):
            print(f"strata: cannot write the screenshot to '{args.screenshot}'", file=sys.stderr)
            return 1
    if args.quit:
        window.stack.setClean()
        window.close()
        return 0
    return app.exec()


if __name__ == "__main__":
    sys.exit(main())
