"""Which files of a bundle folder are read: one listing for crm/, notes/ and calls/."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from retrieval.evidence import ImportIssue


def bundle_files(
    directory: Path, suffixes: Iterable[str], folder: Path, issues: list[ImportIssue], *, recursive: bool = False
) -> list[Path]:
    """The directory's files with the suffixes (subfolders too when `recursive`), by path relative to
    it; files of other types are reported as ignored, hidden files and folders skipped silently."""
    if not directory.is_dir():
        return []
    wanted = tuple(suffixes)
    candidates = directory.rglob("*") if recursive else directory.iterdir()
    found: list[Path] = []
    for path in sorted(candidates, key=lambda p: p.relative_to(directory).as_posix()):
        if any(part.startswith(".") for part in path.relative_to(directory).parts) or not path.is_file():
            continue
        if path.suffix.lower() in wanted:
            found.append(path)
        else:
            issues.append(
                ImportIssue(
                    path=path.relative_to(folder).as_posix(),
                    message=f"unsupported file type (expected {', '.join(wanted)}); ignored",
                )
            )
    return found
