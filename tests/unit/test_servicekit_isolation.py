"""The kit stands alone: the bakery copies only workbench/servicekit into images."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import workbench.servicekit

KIT = Path(workbench.servicekit.__file__).parent


def run(code: str, **env: str) -> str:
    out = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        capture_output=True,
        text=True,
        env={**os.environ, **env},
        check=False,
    )
    assert out.returncode == 0, out.stderr
    return out.stdout


def test_importing_the_kit_loads_nothing_else_of_the_workbench_nor_heavy_libraries() -> None:
    loaded = set(run("import workbench.servicekit, sys; print(' '.join(sys.modules))").split())
    ours = {m for m in loaded if m.startswith("workbench.")}
    assert all(m.startswith("workbench.servicekit") for m in ours), sorted(ours)
    tops = {m.split(".")[0] for m in loaded}
    # httpx and nats load on first use only: a service that calls nobody starts faster.
    for heavy in (
        "textual",
        "docker",
        "diagrams",
        "rich",
        "click",
        "yaml",
        "networkx",
        "nats",
        "httpx",
    ):
        assert heavy not in tops, heavy


def test_a_copy_of_the_kit_alone_serves_a_service(tmp_path: Path) -> None:
    root = tmp_path / "kit"
    shutil.copytree(
        KIT, root / "workbench" / "servicekit", ignore=shutil.ignore_patterns("__pycache__")
    )
    (root / "workbench" / "__init__.py").write_text("")
    out = run(
        """
        import asyncio, sys
        sys.path.insert(0, KIT_ROOT)
        import httpx
        import workbench.servicekit as kit_pkg
        from workbench.servicekit import ServiceKit
        assert kit_pkg.__file__.startswith(KIT_ROOT), kit_pkg.__file__
        kit = ServiceKit()

        async def main():
            transport = httpx.ASGITransport(app=kit.app)
            async with httpx.AsyncClient(transport=transport, base_url="http://a") as c:
                print((await c.get("/health")).json()["service"])
                print((await c.get("/_admin/stats")).json()["service"])

        asyncio.run(main())
        """.replace("KIT_ROOT", repr(str(root))),
        SERVICE_NAME="alone",
    )
    assert out.splitlines()[-2:] == ["alone", "alone"]
