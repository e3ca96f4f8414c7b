"""Where this host gets its Debian packages: the mirror the offline root is bootstrapped from.

We read apt's own configuration (deb822 `*.sources` files and one-line `sources.list` files)
instead of hard-coding a host, so a classroom with a local mirror or proxy uses it.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

from workbench.errors import WorkbenchError

APT_DIR = Path("/etc/apt")
MIRROR_ENV = "WORKBENCH_DEBIAN_MIRROR"


@dataclass(frozen=True)
class AptSource:
    uri: str
    suites: tuple[str, ...]
    components: tuple[str, ...]
    signed_by: str | None = None
    origin: str = ""
    """The file it came from, for error messages."""


def parse_deb822(text: str, origin: str = "") -> list[AptSource]:
    """Entries of a deb822 `.sources` file that are enabled and of type `deb`."""
    sources = []
    for stanza in _stanzas(text):
        if "deb" not in stanza.get("types", "").split():
            continue
        if stanza.get("enabled", "yes").strip().lower() == "no":
            continue
        signed_by = stanza.get("signed-by", "").strip() or None
        if signed_by and not signed_by.startswith("/"):
            signed_by = None  # an inline key block, not a keyring file debootstrap can use
        for uri in stanza.get("uris", "").split():
            sources.append(
                AptSource(
                    uri=uri,
                    suites=tuple(stanza.get("suites", "").split()),
                    components=tuple(stanza.get("components", "").split()),
                    signed_by=signed_by,
                    origin=origin,
                )
            )
    return sources


def _stanzas(text: str) -> list[dict[str, str]]:
    stanzas: list[dict[str, str]] = []
    current: dict[str, str] = {}
    key = None
    for raw in text.splitlines():
        if raw.startswith("#"):
            continue
        if not raw.strip():
            if current:
                stanzas.append(current)
            current, key = {}, None
            continue
        if raw[0] in " \t" and key is not None:  # continuation line of a multi-line field
            current[key] += "\n" + raw.strip()
            continue
        name, sep, value = raw.partition(":")
        if sep:
            key = name.strip().lower()
            current[key] = value.strip()
    if current:
        stanzas.append(current)
    return stanzas


_OPTIONS = re.compile(r"^\[([^\]]*)\]\s*")


def parse_one_line(text: str, origin: str = "") -> list[AptSource]:
    """`deb [options] uri suite component...` lines of a sources.list file."""
    sources = []
    for raw in text.splitlines():
        line = raw.split("#", 1)[0].strip()
        if not line.startswith("deb "):
            continue
        rest = line[4:].strip()
        signed_by = None
        options = _OPTIONS.match(rest)
        if options:
            for option in options.group(1).split():
                name, _, value = option.partition("=")
                if name == "signed-by" and value.startswith("/"):
                    signed_by = value
            rest = rest[options.end() :]
        parts = rest.split()
        if len(parts) < 2:
            continue
        sources.append(AptSource(parts[0], (parts[1],), tuple(parts[2:]), signed_by, origin))
    return sources


def host_sources(apt_dir: Path = APT_DIR) -> list[AptSource]:
    """Every enabled `deb` source of the host, in apt's order (sources.list first)."""
    found: list[AptSource] = []
    main_list = apt_dir / "sources.list"
    if main_list.is_file():
        found += parse_one_line(main_list.read_text(errors="replace"), str(main_list))
    parts = apt_dir / "sources.list.d"
    if parts.is_dir():
        for path in sorted(parts.iterdir()):
            # apt itself ignores other extensions (e.g. `.disabled`), and so do we.
            if path.suffix == ".list":
                found += parse_one_line(path.read_text(errors="replace"), str(path))
            elif path.suffix == ".sources":
                found += parse_deb822(path.read_text(errors="replace"), str(path))
    return found


def debian_mirror(suite: str, apt_dir: Path = APT_DIR) -> AptSource:
    """The host's source for `suite` with the `main` component (WORKBENCH_DEBIAN_MIRROR wins)."""
    override = os.environ.get(MIRROR_ENV)
    if override:
        return AptSource(override, (suite,), ("main",), None, MIRROR_ENV)
    candidates = [s for s in host_sources(apt_dir) if suite in s.suites and "main" in s.components]
    # Prefer plain http(s) mirrors: debootstrap cannot use apt's other transports (tor+, cdrom:).
    for source in candidates:
        if source.uri.startswith(("http://", "https://", "file:/")):
            return source
    raise WorkbenchError(
        f"no Debian mirror for {suite!r} (component main) in apt's sources under {apt_dir}",
        f"set {MIRROR_ENV}=http://your.mirror/debian, or WORKBENCH_ROOT_IMAGE to a Python image "
        "you already have (`docker load` one)",
    )
