"""The output folder of ``run`` and ``example``: refused when it already holds files
(unless ``--force``), written in a temporary folder beside it and moved into place only
when everything succeeded, so an error never leaves a partial report or destroys an old
one."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from ..errors import WsaEvalError


def check_output_folder(out: Path, force: bool) -> None:
    """Refuse (before any work) an output path that is a file, or a folder with files in
    it, unless ``force``."""
    if out.exists() and not out.is_dir():
        raise WsaEvalError(f"The output path {out} is a file, not a folder. Choose another "
                           "--out.")
    if out.exists() and any(out.iterdir()) and not force:
        raise WsaEvalError(f"The output folder {out} already exists and is not empty. Choose "
                           "another --out, or add --force to replace it.")


@contextmanager
def staged_output(out: Path) -> Iterator[Path]:
    """Yield a temporary folder beside ``out``; on success it replaces ``out``."""
    parent = out.resolve().parent
    parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.tmp-", dir=parent))
    try:
        yield tmp
        if out.exists():
            old = Path(tempfile.mkdtemp(prefix=f".{out.name}.old-", dir=parent))
            os.replace(out, old / out.name)
            shutil.move(str(tmp), str(out))
            shutil.rmtree(old, ignore_errors=True)
        else:
            shutil.move(str(tmp), str(out))
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
