"""Finding the Debian mirror in apt's own configuration (deb822 and one-line formats)."""

from __future__ import annotations

from pathlib import Path

import pytest

from workbench.bakery.sources import debian_mirror, host_sources, parse_deb822, parse_one_line
from workbench.errors import WorkbenchError

DEBIAN_SOURCES = """\
Types: deb
# http://snapshot.debian.org/archive/debian/20250520T000000Z
URIs: http://deb.debian.org/debian
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
# http://snapshot.debian.org/archive/debian-security/20250520T000000Z
URIs: http://deb.debian.org/debian-security
Suites: bookworm-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
"""

NODESOURCE = """\
Types: deb
URIs: https://deb.nodesource.com/node_20.x
Suites: nodistro
Components: main
Architectures: amd64
Signed-By: /usr/share/keyrings/nodesource.gpg
"""


def make_apt(tmp_path: Path, files: dict[str, str]) -> Path:
    (tmp_path / "sources.list.d").mkdir(parents=True)
    for name, text in files.items():
        (tmp_path / name).write_text(text)
    return tmp_path


def test_deb822_stanzas_with_comments_and_several_suites() -> None:
    sources = parse_deb822(DEBIAN_SOURCES, "debian.sources")
    assert [s.uri for s in sources] == [
        "http://deb.debian.org/debian",
        "http://deb.debian.org/debian-security",
    ]
    assert sources[0].suites == ("bookworm", "bookworm-updates")
    assert sources[0].signed_by == "/usr/share/keyrings/debian-archive-keyring.gpg"


def test_deb822_skips_disabled_and_source_only_entries_and_reads_every_uri() -> None:
    text = """\
Types: deb-src
URIs: http://src.example/debian
Suites: bookworm
Components: main

Types: deb
Enabled: no
URIs: http://off.example/debian
Suites: bookworm
Components: main

Types: deb deb-src
URIs: http://one.example/debian http://two.example/debian
Suites: bookworm
Components: main contrib
Signed-By:
 -----BEGIN PGP PUBLIC KEY BLOCK-----
 .
 -----END PGP PUBLIC KEY BLOCK-----
"""
    sources = parse_deb822(text)
    assert [s.uri for s in sources] == ["http://one.example/debian", "http://two.example/debian"]
    assert sources[0].signed_by is None, "an inline key is no keyring file for debootstrap"


def test_one_line_format_with_options_and_comments() -> None:
    text = """\
# deb http://commented.example/debian bookworm main
deb [signed-by=/etc/apt/keyrings/local.gpg] http://mirror.lan/debian bookworm main contrib
deb-src http://mirror.lan/debian bookworm main
deb http://mirror.lan/debian-security bookworm-security main # trailing comment
"""
    sources = parse_one_line(text)
    assert [(s.uri, s.suites, s.components, s.signed_by) for s in sources] == [
        (
            "http://mirror.lan/debian",
            ("bookworm",),
            ("main", "contrib"),
            "/etc/apt/keyrings/local.gpg",
        ),
        ("http://mirror.lan/debian-security", ("bookworm-security",), ("main",), None),
    ]


def test_the_mirror_is_the_entry_for_the_suite_not_security_or_other_repos(tmp_path: Path) -> None:
    apt = make_apt(
        tmp_path,
        {
            "sources.list.d/nodesource.sources": NODESOURCE,
            "sources.list.d/debian.sources": DEBIAN_SOURCES,
            "sources.list.d/google.list.disabled-by-farm": "deb http://wrong.example bookworm main",
        },
    )
    mirror = debian_mirror("bookworm", apt)
    assert mirror.uri == "http://deb.debian.org/debian"
    assert mirror.origin.endswith("debian.sources")
    assert all("wrong.example" not in s.uri for s in host_sources(apt)), "apt ignores .disabled"


def test_sources_list_comes_first_like_apt(tmp_path: Path) -> None:
    apt = make_apt(
        tmp_path,
        {
            "sources.list": "deb http://local.mirror/debian bookworm main\n",
            "sources.list.d/debian.sources": DEBIAN_SOURCES,
        },
    )
    assert debian_mirror("bookworm", apt).uri == "http://local.mirror/debian"


def test_the_environment_overrides_apt(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WORKBENCH_DEBIAN_MIRROR", "http://proxy.lan:3142/debian")
    assert debian_mirror("bookworm", make_apt(tmp_path, {})).uri == "http://proxy.lan:3142/debian"


def test_no_mirror_for_the_suite_says_what_to_set(tmp_path: Path) -> None:
    apt = make_apt(tmp_path, {"sources.list.d/node.sources": NODESOURCE})
    with pytest.raises(WorkbenchError) as caught:
        debian_mirror("bookworm", apt)
    assert "bookworm" in caught.value.message
    assert caught.value.hint is not None
    assert "WORKBENCH_DEBIAN_MIRROR" in caught.value.hint


def test_this_host_has_a_mirror_for_bookworm() -> None:
    """The real apt configuration of this machine (where the cold bake runs in CI)."""
    release = Path("/etc/os-release")
    if not release.is_file() or "VERSION_CODENAME=bookworm" not in release.read_text():
        pytest.skip("not a Debian bookworm host")
    assert debian_mirror("bookworm").uri.startswith(("http://", "https://"))
