"""Find a dataset file's bytes: from the mirror directory, else the download cache (pooch), verified by sha256."""

from __future__ import annotations

import hashlib
from pathlib import Path

from ..errors import DataError
from ..paths import CACHE_ENV, MIRROR_ENV, cache_dir, inside, mirror_dir
from .schema import DataFile


def sha256_of(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


_hashed: dict[tuple, str] = {}  # (resolved path, modification time, size) -> sha256 of the bytes, per process


def _verified_sha256(path: Path) -> str:
    """sha256 of a mirror file, hashed once per process while its modification time and size are unchanged (a
    replication script reads the same file many times)."""
    st = path.stat()
    key = (str(path.resolve()), st.st_mtime_ns, st.st_size)
    if key not in _hashed:
        _hashed[key] = sha256_of(path)
    return _hashed[key]


def resolve_file(dataset: str, spec: DataFile, mirror: Path | None = None, cache: Path | None = None) -> Path:
    """Path to a verified local copy of ``spec``: the mirror's if present, else downloaded into the cache.

    A copy whose sha256 differs from the recorded one is refused, wherever it came from.
    """
    mirror = mirror_dir() if mirror is None else mirror
    if mirror is not None:
        candidate = Path(mirror) / spec.mirror_path
        if candidate.exists() and not inside(candidate, mirror):
            raise DataError(
                f"datasets/{dataset}/dataset.yaml",
                "mirror_path",
                f"'{spec.mirror_path}' of file '{spec.key}' resolves to {candidate.resolve()}, outside the mirror {mirror} "
                "(a symbolic link leads out of it)",
                "keep the mirror's files inside the mirror directory",
            )
        if candidate.is_file():
            got = _verified_sha256(candidate)
            if got != spec.sha256:
                raise DataError(
                    candidate,
                    None,
                    f"sha256 mismatch for dataset '{dataset}' file '{spec.key}': expected {spec.sha256}, got {got}",
                    "restore the original file (the mirror must hold the upstream bytes at the pinned commit) "
                    f"or point {MIRROR_ENV} at a correct mirror",
                )
            return candidate
    if spec.derived_here:
        raise DataError(
            spec.mirror_path,
            None,
            f"dataset '{dataset}' file '{spec.key}' is not in the {_where(mirror)}, and it cannot be downloaded: it is a "
            f"conversion made by the mirror ({spec.derived_here}), not an upstream file",
            f"place the converted file at <mirror>/{spec.mirror_path} and set {MIRROR_ENV}=<mirror>",
        )
    return _download(dataset, spec, cache or cache_dir(), mirror)


def _where(mirror: Path | None) -> str:
    """The place a missing file was looked for, for error messages."""
    return f"mirror {mirror}" if mirror is not None else f"no mirror (set {MIRROR_ENV})"


def _download(dataset: str, spec: DataFile, cache: Path, mirror: Path | None) -> Path:
    import pooch

    fname = f"{dataset}--{Path(spec.mirror_path).name}"
    if spec.url.split(":", 1)[0] != "https":  # the schema already requires https; never download anything else
        raise DataError(f"datasets/{dataset}/dataset.yaml", "url", f"'{spec.url}' is not an https URL", "use the https URL at the pinned commit")
    try:
        return Path(pooch.retrieve(spec.url, known_hash=f"sha256:{spec.sha256}", fname=fname, path=cache, progressbar=False))
    except ValueError as exc:  # pooch's hash mismatch
        raise DataError(
            spec.url,
            None,
            f"downloaded bytes for dataset '{dataset}' file '{spec.key}' fail the sha256 check ({exc})",
            "the upstream file changed or the record is wrong: check the pinned commit and sha256 in "
            f"datasets/{dataset}/dataset.yaml",
        ) from None
    except Exception as exc:  # network errors come in many types (requests, urllib3, OSError)
        raise DataError(
            spec.mirror_path,
            None,
            f"dataset '{dataset}' file '{spec.key}' is not in the {_where(mirror)} and could not be downloaded "
            f"from {spec.url} ({type(exc).__name__}: {exc})",
            f"place the file at <mirror>/{spec.mirror_path} and set {MIRROR_ENV}=<mirror>, "
            f"or connect to the network (downloads are cached in {CACHE_ENV} or the user cache)",
        ) from None
