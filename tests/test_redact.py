"""Secrets out of URLs, terminal control sequences out of model output."""

from __future__ import annotations

import pytest

from tui_router.core.redact import ControlStripper, scrub_url, scrub_urls, strip_control


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("http://user:sk-SECRET@host:8080/v1", "http://***@host:8080/v1"),
        ("https://sk-SECRET@api.example.com", "https://***@api.example.com"),
        ("https://h/v1?key=SECRET&model=x", "https://h/v1?key=***&model=x"),
        ("https://h/v1?api_key=SECRET", "https://h/v1?api_key=***"),
        ("https://h/v1?Api-Key=SECRET", "https://h/v1?Api-Key=***"),
        ("https://h/v1?token=SECRET#frag", "https://h/v1?token=***#frag"),
        ("https://api.anthropic.com", "https://api.anthropic.com"),
        ("http://127.0.0.1:8080/v1?model=a", "http://127.0.0.1:8080/v1?model=a"),
        ("not a url", "not a url"),
    ],
)
def test_scrub_url(url: str, expected: str) -> None:
    assert scrub_url(url) == expected
    assert "SECRET" not in scrub_url(url)


def test_scrub_urls_in_free_text() -> None:
    text = "Connection refused: http://bob:sk-SECRET@10.0.0.1/v1/chat?access_token=SECRET2 (x)"
    scrubbed = scrub_urls(text)
    assert "SECRET" not in scrubbed
    assert "http://***@10.0.0.1/v1/chat?access_token=***" in scrubbed
    assert scrubbed.endswith(" (x)")


def test_scrub_url_that_does_not_parse_still_hides_userinfo() -> None:
    # an invalid port or bracket makes urlsplit raise: the pattern fallback still scrubs
    assert "SECRET" not in scrub_url("http://u:SECRET@[::1/v1?key=SECRET")


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("plain\ttext\nline", "plain\ttext\nline"),
        ("\x1b]0;pwned title\x07after", "after"),
        ("\x1b]8;;http://x\x1b\\link\x1b]8;;\x1b\\", "link"),
        ("\x1b[2J\x1b[Hclear", "clear"),
        ("\x1b[31mred\x1b[0m", "red"),
        ("bell\x07 back\x08space del\x7f", "bell backspace del"),
        ("c1 \x9b2J csi and \x9d0;t\x9c osc", "c1  csi and  osc"),
        ("\x1bcreset", "reset"),
        ("\x1b(Bcharset", "charset"),
        ("win\r\nline", "win\nline"),
        ("\x1bP1;2|data\x1b\\dcs", "dcs"),
        ("unicode ✓ é 漢字", "unicode ✓ é 漢字"),
    ],
)
def test_strip_control(raw: str, clean: str) -> None:
    assert strip_control(raw) == clean


def test_a_sequence_split_across_chunks_is_held_until_it_ends() -> None:
    stripper = ControlStripper()
    pieces = ["Hi \x1b", "]0;ti", "tle\x1b", "\\ there \x1b[", "2", "J!"]
    out = "".join(stripper.feed(p) for p in pieces) + stripper.flush()
    assert out == "Hi  there !"


def test_every_split_point_gives_the_same_text() -> None:
    raw = "a\x1b]0;t\x07b\x1b[1;31mc\x1b[0md\x9b2Je\x1bP q\x1b\\f\n"
    whole = strip_control(raw)
    assert whole == "abcdef\n"
    for cut in range(len(raw) + 1):
        stripper = ControlStripper()
        assert stripper.feed(raw[:cut]) + stripper.feed(raw[cut:]) == whole


def test_an_unterminated_sequence_is_dropped_at_flush_and_does_not_swallow_forever() -> None:
    stripper = ControlStripper()
    assert stripper.feed("x\x1b]0;never ends") == "x"
    assert stripper.flush() == ""
    assert stripper.feed("next") == "next"
    long = ControlStripper()
    out = long.feed("\x1b]" + "a" * (ControlStripper.MAX_SEQUENCE + 10) + "tail")
    assert len(out) < 20


def test_url_secrets_lists_what_to_mask_wherever_it_is_echoed() -> None:
    from tui_router.core.redact import url_secrets

    secrets = url_secrets("http://bob:sk-SECRET@h/v1?api_key=sk-Q-SECRET&model=abcd")
    assert secrets[0] == "bob:sk-SECRET"
    assert {"sk-SECRET", "sk-Q-SECRET"} <= set(secrets) and "abcd" not in secrets
    assert url_secrets("https://api.anthropic.com") == []
