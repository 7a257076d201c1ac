"""Making untrusted text safe to show: credentials out of URLs, control sequences out of output.

`scrub_url` / `scrub_urls` hide the userinfo (``http://user:KEY@host``) and token-like query
values (``?key=``, ``api_key=``, ``token=``, ...) of URLs before they reach a message, a log or the
store. `key_values` are the API keys of this process's environment and `redact_values` blanks
them out of text (a key pasted into a prompt never reaches the store). `strip_control` and the
streaming `ControlStripper` remove terminal escape sequences (CSI, OSC, DCS, ...) and other C0/C1
controls from model output, keeping newlines and tabs.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Mapping
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

MASK = "***"
#: what a key's value becomes in a tool's output and in the store
REDACTED = "[redacted]"
#: variables that hold a key, whatever the config names (each endpoint's own are added to them)
KEY_ENV_NAMES = frozenset({"ANTHROPIC_API_KEY", "OPENAI_API_KEY"})
#: ... and every variable whose name ends with one of these (compared in upper case)
KEY_ENV_SUFFIXES = ("_API_KEY", "_TOKEN", "_SECRET")
#: a value shorter than this is no key: a placeholder ("test", "none") would blank every word
MIN_KEY_CHARS = 16


def holds_key(name: str, named: Collection[str] = ()) -> bool:
    """Whether the environment variable ``name`` holds a key (see `KEY_ENV_NAMES`); ``named``:
    more variable names, in upper case (the endpoints' ``api_key_env``)."""
    upper = name.upper()
    return upper in KEY_ENV_NAMES or upper.endswith(KEY_ENV_SUFFIXES) or upper in named


def key_values(environ: Mapping[str, str], named: Iterable[str] = ()) -> tuple[str, ...]:
    """The values of ``environ``'s key variables long enough to be keys, longest first (a key
    that holds another is blanked whole)."""
    upper = {n.upper() for n in named}
    found = {
        value.strip()
        for name, value in environ.items()
        if holds_key(name, upper) and len(value.strip()) >= MIN_KEY_CHARS
    }
    return tuple(sorted(found, key=len, reverse=True))


def redact_values(text: str, values: Iterable[str]) -> str:
    """``text`` with each of ``values`` replaced by `REDACTED`."""
    for value in values:
        if value in text:
            text = text.replace(value, REDACTED)
    return text


#: Query parameters whose value is a credential (compared lower-case, ``-`` as ``_``).
SECRET_PARAMS = frozenset(
    {
        "key",
        "api_key",
        "apikey",
        "access_token",
        "token",
        "auth",
        "authorization",
        "secret",
        "client_secret",
        "password",
        "pass",
        "sig",
        "signature",
        "x_api_key",
        "code",
    }
)

_URL = re.compile(r"""[A-Za-z][A-Za-z0-9+.-]*://[^\s'"<>`]+""")


def _secret_param(name: str) -> bool:
    return name.lower().replace("-", "_") in SECRET_PARAMS


def scrub_url(url: str) -> str:
    """``url`` with its userinfo and secret query values replaced by ``***``.

    ``https://user:KEY@host/v1?key=K&x=1`` -> ``https://***@host/v1?key=***&x=1``. Text that does
    not parse as a URL is returned unchanged (but see `scrub_urls` for free text).
    """
    try:
        parts = urlsplit(url)
    except ValueError:
        return _scrub_by_pattern(url)
    netloc = parts.netloc
    if "@" in netloc:
        netloc = MASK + "@" + netloc.rpartition("@")[2]
    query = parts.query
    if query:
        pairs = parse_qsl(query, keep_blank_values=True)
        if any(_secret_param(name) for name, _ in pairs):
            query = urlencode(
                [(name, MASK if _secret_param(name) else value) for name, value in pairs],
                safe="*",
            )
    if netloc == parts.netloc and query == parts.query:
        return url
    return urlunsplit(parts._replace(netloc=netloc, query=query))


def url_secrets(url: str) -> list[str]:
    """The credential parts of ``url`` (userinfo, secret query values), to mask wherever they
    are echoed back (a server quoting the path it got, say)."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return []
    found: list[str] = []
    if "@" in parts.netloc:
        userinfo = parts.netloc.rpartition("@")[0]
        found += [userinfo, *(piece for piece in userinfo.split(":") if piece)]
    found += [value for name, value in parse_qsl(parts.query) if _secret_param(name) and value]
    # longest first, so a whole "user:key" is masked before its parts; short ones are too common
    return sorted({piece for piece in found if len(piece) >= 4}, key=len, reverse=True)


_USERINFO = re.compile(r"(://)[^/\s@]+@")
_QUERY_SECRET = re.compile(r"([?&;]([A-Za-z_-]+)=)([^&;#\s]*)")


def _scrub_by_pattern(text: str) -> str:
    text = _USERINFO.sub(r"\1" + MASK + "@", text)
    return _QUERY_SECRET.sub(
        lambda m: m.group(1) + MASK if _secret_param(m.group(2)) else m.group(0), text
    )


def scrub_urls(text: str) -> str:
    """Every URL inside free ``text`` (an exception message, say) passed through `scrub_url`."""
    return _URL.sub(lambda m: scrub_url(m.group(0)), text)


# --- terminal control sequences ---------------------------------------------------------------

_ESC = "\x1b"
#: C1 controls that open a string (DCS, SOS, OSC, PM, APC) or a CSI, in their 8-bit form.
_C1_STRING = {"\x90", "\x98", "\x9d", "\x9e", "\x9f"}
_C1_CSI = "\x9b"
_KEEP = {"\n", "\t"}


def _is_control(ch: str) -> bool:
    code = ord(ch)
    return (code < 0x20 and ch not in _KEEP) or code == 0x7F or 0x80 <= code <= 0x9F


class ControlStripper:
    """Strips terminal control sequences from text that arrives in pieces.

    An escape sequence split across chunks (``"\\x1b]0;ti"`` + ``"tle\\x07"``) is held until it
    ends, so no fragment of it reaches the terminal. `feed` returns the printable text so far;
    `flush` ends the stream (an unterminated sequence is dropped). A carriage return is dropped
    too (it lets output overwrite the line it is on); ``\\r\\n`` therefore becomes ``\\n``.
    """

    #: An unterminated string sequence longer than this is given up on (and dropped).
    MAX_SEQUENCE = 4096

    def __init__(self) -> None:
        self._state = "text"  # text | esc | csi | string | string_esc
        self._held = 0

    def feed(self, chunk: str) -> str:
        out: list[str] = []
        for ch in chunk:
            state = self._state
            if state == "text":
                if ch == _ESC:
                    self._enter("esc")
                elif ch == _C1_CSI:
                    self._enter("csi")
                elif ch in _C1_STRING:
                    self._enter("string")
                elif not _is_control(ch):
                    out.append(ch)
            elif state == "esc":
                if ch == "[":
                    self._state = "csi"
                elif ch in "]PX^_":
                    self._state = "string"
                elif 0x20 <= ord(ch) <= 0x2F:  # intermediate bytes: ESC ( B and the like
                    pass
                else:  # a two-character sequence (ESC c, ESC 7, ...) ends here
                    self._state = "text"
            elif state == "csi":
                self._count()
                if 0x40 <= ord(ch) <= 0x7E:  # the final byte
                    self._state = "text"
                elif ch == _ESC:
                    self._enter("esc")
            else:  # inside OSC/DCS/...: ends with BEL, ST (ESC \\) or 8-bit ST
                self._count()
                if ch == "\x07" or ch == "\x9c":
                    self._state = "text"
                elif state == "string_esc":
                    self._state = "text" if ch == "\\" else "string"
                elif ch == _ESC:
                    self._state = "string_esc"
        return "".join(out)

    def flush(self) -> str:
        """The stream has ended: forget any unfinished sequence."""
        self._state = "text"
        return ""

    def _enter(self, state: str) -> None:
        self._state = state
        self._held = 0

    def _count(self) -> None:
        self._held += 1
        if self._held > self.MAX_SEQUENCE:
            self._state = "text"


def strip_control(text: str) -> str:
    """``text`` without escape sequences and control characters (``\\n`` and ``\\t`` kept)."""
    return ControlStripper().feed(text)
