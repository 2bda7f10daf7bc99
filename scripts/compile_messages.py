"""Compile every gettext catalogue of the project (``locale/`` and ``<app>/locale/``) to .mo, in pure Python.

Why not ``manage.py compilemessages``: it needs GNU gettext's msgfmt, which a clean machine may lack. polib (in
requirements.lock) writes the same .mo files. Like msgfmt, fuzzy and untranslated entries are left out, and a
translation whose %-placeholders differ from its msgid's is an error (it would crash or lie at run time).

Incremental: a .mo newer than its .po is kept (``--force`` rebuilds all). Exit status 1 on any error."""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

import polib

BASE_DIR = Path(__file__).resolve().parent.parent
SKIP_DIRS = {".venv", "node_modules", ".git", "staticfiles", "media", ".run", "test-results"}
# %(name)s, %s, %d … (python-format); {name} (python-brace-format)
PERCENT = re.compile(r"%(?:\((?P<name>[^)]+)\))?[#0 +-]*\d*(?:\.\d+)?(?P<conv>[diouxXeEfFgGcrsa%])")
BRACE = re.compile(r"(?<!\{)\{([^{}]*)\}(?!\})")


def catalogues(root: Path) -> list[Path]:
    """``root/locale/**.po`` and ``root/<app>/locale/**.po``."""
    found = []
    for locale_dir in [root / "locale", *(p / "locale" for p in sorted(root.iterdir()) if p.is_dir())]:
        if locale_dir.parent.name in SKIP_DIRS or not locale_dir.is_dir():
            continue
        found.extend(sorted(locale_dir.glob("*/LC_MESSAGES/*.po")))
    return found


def placeholders(text: str, flags: list[str]) -> list[str]:
    result = []
    if "python-format" in flags:
        result += sorted(
            m.group("name") or m.group("conv") for m in PERCENT.finditer(text) if m.group("conv") != "%"
        )
    if "python-brace-format" in flags:
        result += sorted(BRACE.findall(text))
    return result


def check(po: polib.POFile) -> list[str]:
    errors = []
    for entry in po.translated_entries():
        expected = placeholders(entry.msgid, entry.flags)
        strings = [entry.msgstr] if entry.msgstr else [s for _, s in sorted(entry.msgstr_plural.items())]
        for text in strings:
            got = placeholders(text, entry.flags)
            # Plural forms may drop the number (一个 / %(n)d 个): only an unknown placeholder is an error there.
            bad = set(got) - set(expected) if entry.msgid_plural else (got != expected)
            if bad:
                errors.append(
                    f"line {entry.linenum}: msgid {entry.msgid!r}: placeholders {expected} but {got}"
                )
    return errors


def compile_catalogue(path: Path, force: bool) -> tuple[str, list[str]]:
    mo = path.with_suffix(".mo")
    if not force and mo.exists() and mo.stat().st_mtime >= path.stat().st_mtime:
        return "kept", []
    try:
        po = polib.pofile(str(path), wrapwidth=0)
    except (OSError, ValueError) as exc:
        return "error", [str(exc)]
    errors = check(po)
    if errors:
        return "error", errors
    tmp = mo.with_suffix(".mo.tmp")
    po.save_as_mofile(str(tmp))
    tmp.replace(mo)
    return f"compiled ({len(po.translated_entries())} messages)", []


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--force", action="store_true", help="rebuild every .mo")
    parser.add_argument("--quiet", "-q", action="store_true", help="print only what changed and errors")
    args = parser.parse_args()

    failed = 0
    paths = catalogues(BASE_DIR)
    for path in paths:
        status, errors = compile_catalogue(path, args.force)
        rel = path.relative_to(BASE_DIR)
        if errors:
            failed += 1
            print(f"messages: {rel}: ERROR", file=sys.stderr)
            for error in errors:
                print(f"    {error}", file=sys.stderr)
        elif status != "kept" or not args.quiet:
            print(f"messages: {rel}: {status}")
    if not paths:
        print("messages: no catalogue found")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
