"""A typed key reaches the terminal as soon as the prompt has handled it, not after the layout
the streaming answer is waiting for (`key_activity.paint_now`): that layout arranges and
repaints the whole chat, tens of milliseconds during which the key used to wait.

What the terminal shows is followed with `terminal_model` (every update the app sends, applied
in order), so a key drawn early that left a stale cell would fail here too."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fakeserver_sse import Script
from terminal_model import Terminal, assert_shows_the_screen
from ui_support import SIZE, make_app, settle, started, type_text, wait_for

from tui_router.ui import key_activity
from tui_router.ui.widgets.chat import ChatPane
from tui_router.ui.widgets.prompt import PromptInput


def shown_rows(terminal: Terminal) -> str:
    return "\n".join(terminal.rows())


async def test_a_key_is_on_the_terminal_while_the_chat_waits_for_its_layout(
    server: Any, tmp_path: Path, terminal: Terminal
) -> None:
    app = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await started(pilot)
        await type_text(pilot, "ab")
        await settle(pilot)
        screen = app.screen
        prompt = app.query_one(PromptInput)
        chat = app.query_one(ChatPane)
        frames = terminal.frames
        # What a step of a streamed answer does: its markdown mounts new blocks inside a batch
        # (held across awaits), and the screen has a layout to do once the batch ends.
        with app.batch_update():
            note = await chat.add_note("a note the layout has not placed yet")
            prompt.insert("x")
            assert note not in screen._compositor.visible_widgets
            assert key_activity.paint_now(screen, prompt)
            assert terminal.frames == frames + 1
            assert "abx" in shown_rows(terminal), "the key is not on the terminal"
            assert "a note the layout" not in shown_rows(terminal), "the batch leaked"
        await settle(pilot)
        assert "a note the layout" in shown_rows(terminal)
        assert_shows_the_screen(app, terminal, "after the layout")


async def test_a_key_that_changes_the_prompts_height_waits_for_the_layout(
    server: Any, tmp_path: Path, terminal: Terminal
) -> None:
    app = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await started(pilot)
        await settle(pilot)
        prompt = app.query_one(PromptInput)
        frames = terminal.frames
        prompt.insert("one\ntwo\nthree\nfour")  # the prompt grows: its own region moves
        assert not key_activity.paint_now(app.screen, prompt)
        assert terminal.frames == frames
        await settle(pilot)
        assert_shows_the_screen(app, terminal, "the prompt grown")


async def test_keys_typed_while_an_answer_streams_show_at_once_and_leave_no_stale_cell(
    server: Any, tmp_path: Path, terminal: Terminal, monkeypatch: Any
) -> None:
    answer = "".join(
        f"## Part {n}\n\nSome text for part {n}.\n\n```python\nx = {n}\n```\n\n- a\n- b\n\n"
        for n in range(8)
    )
    server.push(Script(text=answer, n_chunks=60, delay=0.01))
    painted: list[bool] = []
    original = key_activity.paint_now

    def recording(screen: Any, widget: Any) -> bool:
        painted.append(original(screen, widget))
        return painted[-1]

    monkeypatch.setattr(key_activity, "paint_now", recording)
    app = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await started(pilot)
        await type_text(pilot, "explain")
        await pilot.press("enter")
        typed = "next question"
        for char in typed:
            await pilot.press("space" if char == " " else char)
        await settle(pilot)
        assert app.query_one(PromptInput).text == typed
        assert any(painted), "no key was painted ahead of its frame"
        assert_shows_the_screen(app, terminal, "the answer done, the next prompt typed")


async def test_a_frame_with_a_layout_waits_for_a_key_read_from_the_terminal(
    server: Any, tmp_path: Path, terminal: Terminal, monkeypatch: Any
) -> None:
    """A key the input thread has read is on its way to the prompt through several hops of the
    event loop; a layout frame that started then would make it wait for the whole frame."""
    # here the key is held on its way for as long as the test likes
    monkeypatch.setattr(key_activity, "IN_FLIGHT_S", 60.0)
    monkeypatch.setattr(key_activity, "FRAME_WAIT_S", 60.0)
    app = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await started(pilot)
        await type_text(pilot, "ab")
        await settle(pilot)
        screen = app.screen
        activity = key_activity.of(app)
        activity.read()  # what the terminal's input thread does as it reads "c"
        assert activity.in_flight
        note = await app.query_one(ChatPane).add_note("placed after the key")
        for _ in range(5):
            await pilot.pause(0.02)
        assert note not in screen._compositor.visible_widgets, "the layout went before the key"
        await pilot.press("c")  # the key reaches the app
        await settle(pilot)
        assert app.query_one(PromptInput).text == "abc"
        assert not activity.in_flight
        assert note in screen._compositor.visible_widgets
        assert_shows_the_screen(app, terminal, "the key, then the layout")


async def test_the_driver_counts_the_keys_it_reads(server: Any, tmp_path: Path) -> None:
    from textual import events

    app = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await started(pilot)
        await settle(pilot)
        activity = key_activity.of(app)
        read = activity.read_count
        app._driver.process_message(events.Key("c", "c"))  # as the input thread calls it
        assert activity.read_count == read + 1
        await settle(pilot)
        assert app.query_one(PromptInput).text == "c"
        assert not activity.in_flight


async def test_a_key_that_never_reaches_the_prompt_holds_no_frame_back_for_long(
    server: Any, tmp_path: Path, terminal: Terminal
) -> None:
    app = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await started(pilot)
        await settle(pilot)
        activity = key_activity.of(app)
        activity.read()  # read, then dropped: never handled
        assert activity.in_flight
        note = await app.query_one(ChatPane).add_note("placed all the same")
        await wait_for(
            pilot,
            lambda: note in app.screen._compositor.visible_widgets,
            "the layout after the key's time ran out",
        )
        await settle(pilot)
        assert_shows_the_screen(app, terminal, "the layout")


def test_a_frame_waits_for_keys_on_their_way_once_and_briefly(monkeypatch: Any) -> None:
    now = [100.0]
    monkeypatch.setattr(key_activity.time, "monotonic", lambda: now[0])
    activity = key_activity.KeyActivity()
    assert not activity.frame_waits()  # no key on its way
    activity.read()
    assert activity.frame_waits()
    now[0] += key_activity.FRAME_WAIT_S / 2
    assert activity.frame_waits()  # still on its way, within the frame's wait
    now[0] += key_activity.FRAME_WAIT_S
    assert not activity.frame_waits()  # the frame gave up on it ...
    assert not activity.frame_waits()  # ... and its render does not wait for it again
    activity.read()
    assert activity.frame_waits()  # a new key: the next frame waits for it
    activity.handled()
    activity.handled()  # (a key from elsewhere, not read from the terminal, counts for none)
    assert not activity.in_flight and not activity.frame_waits()
    activity.read()
    assert activity.in_flight


def test_a_key_read_during_long_frame_work_is_on_its_way_again_after_it(monkeypatch: Any) -> None:
    """A key read while a frame held the event loop could not move towards the prompt: when
    the frame is done, its time on the way starts again, so the render or the paint queued
    after the frame lets it go first. A key that was handled, or one the app dropped, does not
    hold frames back any longer for it."""
    now = [100.0]
    monkeypatch.setattr(key_activity.time, "monotonic", lambda: now[0])
    activity = key_activity.KeyActivity()
    activity.loop_was_held()
    assert not activity.in_flight  # nothing read
    activity.read()
    now[0] += 2 * key_activity.IN_FLIGHT_S  # a long frame
    assert not activity.in_flight
    activity.loop_was_held()
    assert activity.in_flight and activity.frame_waits()
    activity.handled()
    now[0] += 2 * key_activity.IN_FLIGHT_S
    activity.loop_was_held()
    assert not activity.in_flight  # handled: nothing to wait for

    activity.read()  # a key the app will drop: waited for once, briefly
    assert activity.frame_waits()
    now[0] += 2 * key_activity.FRAME_WAIT_S
    assert not activity.frame_waits()
    activity.loop_was_held()
    assert activity.in_flight and not activity.frame_waits()


async def test_the_terminals_input_reaches_the_app_in_order_without_a_task_per_event(
    server: Any, tmp_path: Path, monkeypatch: Any
) -> None:
    """What the driver's input thread reads is queued on the app straight away (not through a
    coroutine run on the loop, a turn later), keys and a paste in the order they were read."""
    import asyncio
    import threading

    from textual import events

    coroutines: list[Any] = []
    original = asyncio.run_coroutine_threadsafe

    def counting(coro: Any, loop: Any) -> Any:
        coroutines.append(coro)
        return original(coro, loop)

    monkeypatch.setattr(asyncio, "run_coroutine_threadsafe", counting)
    app = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await started(pilot)
        await settle(pilot)
        driver = app._driver
        assert driver is not None
        coroutines.clear()  # (the driver's first size event is sent that way, at start)
        sent = [events.Key("a", "a"), events.Paste("bcd"), events.Key("e", "e")]

        def input_thread() -> None:
            for message in sent:
                driver.process_message(message)

        reader = threading.Thread(target=input_thread)
        reader.start()
        reader.join()
        await wait_for(pilot, lambda: app.query_one(PromptInput).text == "abcde", "the input")
        assert coroutines == []
        assert not key_activity.of(app).in_flight
