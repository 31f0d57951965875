"""Write a folder as a Pulumi plugin archive: a gzipped tar whose root holds the executable.

The Pulumi CLI unpacks regular files and directories only. PyInstaller links the shared
libraries of wheels (numpy.libs/, pillow.libs/) into the folder's top level as well; the
extension modules load them from their own directory through their run path, so such a link
is left out, and a link to a file outside the folder is stored as that file. Entries are
sorted and dated SOURCE_DATE_EPOCH (default 0), so the same folder gives the same bytes.

    python packaging/archive.py FOLDER ARCHIVE.tar.gz
"""

from __future__ import annotations

import gzip
import io
import os
import sys
import tarfile
from pathlib import Path


def write_archive(folder: Path, archive: Path) -> None:
    mtime = int(os.environ.get("SOURCE_DATE_EPOCH", "0"))
    with (
        open(archive, "wb") as raw,
        gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=mtime, compresslevel=9) as zipped,
        tarfile.open(fileobj=zipped, mode="w", format=tarfile.PAX_FORMAT) as tar,
    ):
        for path in sorted(folder.rglob("*")):
            if path.is_symlink() and path.resolve().is_relative_to(folder.resolve()):
                continue
            name = path.relative_to(folder).as_posix()
            info = tarfile.TarInfo(name)
            info.mtime = mtime
            info.uname = info.gname = ""
            if path.is_dir():
                info.type, info.mode = tarfile.DIRTYPE, 0o755
                tar.addfile(info)
                continue
            data = path.read_bytes()
            info.size = len(data)
            info.mode = 0o755 if os.access(path, os.X_OK) else 0o644
            tar.addfile(info, io.BytesIO(data))


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    write_archive(Path(sys.argv[1]), Path(sys.argv[2]))
