"""What the import commands share: read a file, run an all-or-nothing service, report bad rows."""

from pathlib import Path

from django.core.management.base import CommandError

from reform_portal.file_limits import FileRefused, Limits, check_size
from reform_portal.tabular import RowsInvalid, UnreadableFile


def check_file(path: str) -> str:
    """The file's name, once it is known to exist and to fit the size limit (before anything reads it)."""
    p = Path(path)
    if not p.is_file():
        raise CommandError(f"File not found: {path}")
    try:
        check_size(p.stat().st_size, Limits.from_settings())
    except FileRefused as exc:
        raise CommandError(str(exc)) from None
    return p.name


def read_file(path: str) -> tuple[str, bytes]:
    name = check_file(path)
    return name, Path(path).read_bytes()


def run_import(command, action, *, dry_run: bool):
    """Run `action()`; on bad rows print each one and exit non-zero, saving nothing."""
    try:
        result = action()
    except UnreadableFile as exc:
        raise CommandError(str(exc)) from None
    except RowsInvalid as exc:
        for error in exc.errors:
            command.stderr.write(str(error))
        raise CommandError(f"{len(exc.errors)} error(s); nothing was saved.") from None
    if dry_run:
        command.stdout.write("Dry run: the file is valid; nothing was saved.")
    return result
