"""The pattern catalog in the workbench: F3 and the command palette open it, typing filters,
Enter opens a page, its links open related pages and labs; the lab list shows each lab's
patterns with their summaries, and the lab screen's `o` still lists only the lab's own."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from textual.widgets import Input, Markdown, OptionList, Static

from workbench.tui.app import WorkbenchApp
from workbench.tui.screens.catalog import PatternCatalogScreen
from workbench.tui.screens.lab import LabScreen
from workbench.tui.screens.lab_list import LabListScreen
from workbench.tui.screens.pattern_page import PatternPageScreen
from workbench.tui.screens.patterns import PatternPicker

pytestmark = pytest.mark.tui


def _page_text(screen: PatternPageScreen) -> str:
    return screen.query_one("#pattern-page", Markdown).source


async def test_f3_filter_by_alias_and_open_a_page(tui_labs: Path) -> None:
    app = WorkbenchApp(runtime="local")
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        await pilot.press("f3")
        screen = app.screen
        assert isinstance(screen, PatternCatalogScreen)
        assert len(screen.shown) == len(screen.catalog.patterns) >= 37
        await pilot.press(*"outlier")
        await pilot.pause()
        assert [p.id for p in screen.shown] == ["circuit-breaker"]
        await pilot.press("enter")
        page = app.screen
        assert isinstance(page, PatternPageScreen)
        assert page.pattern_id == "circuit-breaker"
        text = _page_text(page)
        assert text.startswith("# Circuit breaker")
        assert "## Try it\n\nNo lab yet." in text
        links = page.query_one("#pattern-links", OptionList)
        assert links.get_option_at_index(0).id == "pattern:timeout"
        await pilot.press("enter")  # the first related page
        assert isinstance(app.screen, PatternPageScreen)
        assert app.screen.pattern_id == "timeout"
        await pilot.press("escape", "escape")
        assert app.screen is screen
        await pilot.press("escape")  # clears the filter first
        assert screen.query_one("#pattern-filter", Input).value == ""
        await pilot.press("escape")
        assert isinstance(app.screen, LabListScreen)


async def test_no_match_says_so(tui_labs: Path) -> None:
    app = WorkbenchApp(runtime="local")
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("f3")
        await pilot.press(*"xylophone")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, PatternCatalogScreen)
        assert screen.shown == []
        status = str(screen.query_one("#catalog-status", Static).render())
        assert "no pattern matches 'xylophone'" in status
        await pilot.press("enter")
        assert isinstance(app.screen, PatternCatalogScreen)


async def test_the_command_palette_offers_the_catalog(shop_workspace: Path) -> None:
    app = WorkbenchApp(runtime="local")
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        on_list = {c.title: c for c in app.get_system_commands(app.screen)}
        assert "Patterns" in on_list  # F3's binding, once (not twice) on the lab list
        assert "Pattern catalog" not in on_list
        await on_list["Patterns"].callback()  # type: ignore[misc]
        await pilot.pause()
        assert isinstance(app.screen, PatternCatalogScreen)
        app.pop_screen()
        app.open_lab("shop")
        await pilot.pause()
        assert isinstance(app.screen, LabScreen)
        on_lab = {c.title: c for c in app.get_system_commands(app.screen)}
        await on_lab["Pattern catalog"].callback()  # type: ignore[misc]
        await pilot.pause()
        assert isinstance(app.screen, PatternCatalogScreen)


async def test_a_lab_link_opens_the_lab(
    shop_workspace: Path, wait_until: Callable[..., object]
) -> None:
    app = WorkbenchApp(runtime="local")
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("f3")
        await pilot.press(*"api-gateway", "enter")
        page = app.screen
        assert isinstance(page, PatternPageScreen)
        assert "Labs that practise it: [`shop`](lab:shop)" in _page_text(page)
        links = page.query_one("#pattern-links", OptionList)
        assert links.get_option_at_index(0).id == "lab:shop"
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, LabScreen), within=10, what="lab")
        assert isinstance(app.screen, LabScreen)
        assert app.screen.lab.id == "shop"


async def test_a_link_to_the_open_lab_goes_back_to_it(shop_workspace: Path) -> None:
    app = WorkbenchApp(lab_id="shop", runtime="local")
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        lab_screen = app.screen
        assert isinstance(lab_screen, LabScreen)
        await app.run_action("app.pattern_catalog")
        await pilot.pause()
        await pilot.press(*"sidecar", "enter")
        assert isinstance(app.screen, PatternPageScreen)
        await pilot.press("enter")  # its first link: the shop lab, already open underneath
        await pilot.pause()
        assert app.screen is lab_screen
        assert sum(isinstance(s, LabScreen) for s in app.screen_stack) == 1


async def test_the_lab_list_shows_each_labs_patterns_with_summaries(tui_labs: Path) -> None:
    app = WorkbenchApp(runtime="local")
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press(*"shop")
        await pilot.pause()
        summary = str(app.screen.query_one("#lab-summary", Static).render())
        assert "API gateway — One entry point" in summary
        assert "Sidecar — A helper process" in summary


async def test_the_lab_screens_o_lists_the_labs_own_patterns(shop_workspace: Path) -> None:
    app = WorkbenchApp(lab_id="shop", runtime="local")
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        await pilot.press("o")
        picker = app.screen
        assert isinstance(picker, PatternPicker)
        listed = picker.query_one("#patterns-list", OptionList)
        ids = [listed.get_option_at_index(i).id for i in range(listed.option_count)]
        assert ids == ["api-gateway", "publish-subscribe", "sidecar"]
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, LabScreen)
        page = app.screen.query_one("#instructions-page", Markdown).source
        assert page.startswith("# API gateway")
        assert "Labs that practise it: `shop` — Fixture shop." in page  # the catalog's own page
