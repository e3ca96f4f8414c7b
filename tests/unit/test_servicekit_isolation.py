"""The kit stands alone: the bakery copies only workbench/servicekit and the environment contract
it reads (workbench/service_env.py) into images."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import workbench.servicekit
from workbench.bakery.base import contract_file

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
    assert all(
        m.startswith("workbench.servicekit") or m == "workbench.service_env" for m in ours
    ), sorted(ours)
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
    shutil.copy(contract_file(), root / "workbench" / "service_env.py")
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


def test_the_kit_imports_nothing_of_the_workbench_but_the_contract() -> None:
    # Read, not imported: the start gate (servicekit/gate.py) runs when it is imported.
    allowed = ("workbench.servicekit", "workbench.service_env", "workbench import service_env")
    for path in sorted(KIT.rglob("*.py")):
        for line in path.read_text(encoding="utf-8").splitlines():
            words = line.split()
            if words[:1] in (["import"], ["from"]) and words[1].startswith("workbench"):
                assert line.strip().startswith(
                    tuple(f"{w} {a}" for w in ("import", "from") for a in allowed)
                ), f"{path.name}: {line.strip()}"


def test_the_contract_imports_nothing() -> None:
    imports = [
        line
        for line in contract_file().read_text(encoding="utf-8").splitlines()
        if line.startswith(("import ", "from "))
    ]
    assert imports == ["from __future__ import annotations", "from collections.abc import Mapping"]
