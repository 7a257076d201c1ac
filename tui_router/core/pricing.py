"""Exact call cost in USD: genai-prices' bundled data, the config's overrides, or unknown.

Money is `Decimal`. An unknown price is `None` (shown as "n/a"), never zero; a local model is
free by definition. genai-prices is imported on first use (~180 ms) so start-up does not pay it.
Tiered prices (e.g. above 200k input tokens) are applied by genai-prices itself.
A newer genai-prices data file loaded with `tui-router prices update --from FILE` is kept in the
data folder and used instead of the bundled data (`price_data_info` says which is in use).

A model's rates and the data's description are kept in a small JSON file in the cache folder
(`PRICE_CACHE_FILE`), keyed by the installed genai-prices data, the loaded data file and the day:
warm, `models` and `route` never import genai-prices (its data module is 1.6 MB of Python).
"""

from __future__ import annotations

import contextlib
import functools
import json
import os
import re
import warnings
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal

from tui_router.core.config_records import PriceOverride
from tui_router.core.errors import UserFacingError
from tui_router.core.paths import ensure_dir, get_paths
from tui_router.core.usage import Usage

PriceSource = Literal["genai-prices", "override", "local", "unknown"]
MTOK = Decimal(1_000_000)


# Not slots=True: a slotted dataclass is built twice (~1 ms each), and this module loads
# on the way to the app's first frame.
@dataclass(frozen=True)
class Price:
    """The cost of one call and where the rate came from. ``usd`` is None when unknown."""

    usd: Decimal | None
    source: PriceSource

    @property
    def known(self) -> bool:
        return self.usd is not None


@dataclass(frozen=True)
class Rates:
    """Base $/MTok of a model (the lowest tier when prices are tiered).

    Attributes:
        cache_write: the 5-minute cache-write rate (Anthropic's default TTL).
        context_window: max input tokens as genai-prices knows it (None for overrides/local).
        priced_as: the genai-prices model id the rates came from; it can differ from the id asked
            for (dated ids map to base ids, and its data has aliases such as gpt-5.1-mini ->
            gpt-5.1-codex-mini), so displays can say what was priced.
        tiered_above: input-token count above which a higher tier applies to the whole call.
    """

    input: Decimal
    output: Decimal
    cache_read: Decimal | None
    cache_write: Decimal | None
    context_window: int | None
    source: PriceSource
    priced_as: str | None = None
    tiered_above: int | None = None


def is_local_provider(price_provider: str | None) -> bool:
    return price_provider == "local"


def price_call(
    usage: Usage,
    model: str,
    price_provider: str | None,
    overrides: Mapping[str, PriceOverride] | None = None,
) -> Price:
    """Price one call's usage on ``model`` as served by ``price_provider``."""
    override = (overrides or {}).get(model)
    if override is not None:
        return Price(_price_with_override(usage, override), "override")
    if is_local_provider(price_provider):
        return Price(Decimal(0), "local")
    if price_provider is None:  # an endpoint that names no price list: unknown, see below
        return Price(None, "unknown")
    calc = _genai_calc(usage, model, price_provider)
    if calc is None:
        return Price(None, "unknown")
    return Price(Decimal(calc.total_price), "genai-prices")


def model_rates(
    model: str,
    price_provider: str | None,
    overrides: Mapping[str, PriceOverride] | None = None,
) -> Rates | None:
    """$/MTok for display and estimates; None when no price is known."""
    override = (overrides or {}).get(model)
    if override is not None:
        # what is charged: cache tokens without their own rate cost the input rate
        return Rates(
            override.input,
            override.output,
            override.cache_read if override.cache_read is not None else override.input,
            override.cache_write if override.cache_write is not None else override.input,
            None,
            "override",
        )
    if is_local_provider(price_provider):
        zero = Decimal(0)
        return Rates(zero, zero, zero, zero, None, "local")
    if price_provider is None:
        # An endpoint without a price_provider (a self-hosted server, say) is not priced: its
        # `gpt-4o-mini` matched across every provider was OpenAI's list price, for a model run
        # on the user's own hardware. `[prices."endpoint/model"]` or a price_provider price it.
        return None
    cache = _price_cache()
    key = f"rates {price_provider or ''} {model}"
    if key in cache:
        with contextlib.suppress(KeyError, TypeError, ValueError, ArithmeticError):
            return _rates_from_json(cache[key])
    rates = _genai_rates(model, price_provider)
    cache[key] = _rates_to_json(rates)
    _save_price_cache()
    return rates


def _genai_rates(model: str, price_provider: str | None) -> Rates | None:
    calc = _genai_calc(Usage(input_tokens=1, output_tokens=1), model, price_provider)
    if calc is None:
        return None
    price = calc.model_price
    return Rates(
        input=_base(price.input_mtok) or Decimal(0),
        output=_base(price.output_mtok) or Decimal(0),
        cache_read=_base(price.cache_read_mtok),
        cache_write=_base(price.cache_write_mtok),
        context_window=getattr(calc.model, "context_window", None),
        source="genai-prices",
        priced_as=getattr(calc.model, "id", None),
        tiered_above=_first_tier_start(price.input_mtok),
    )


def warm_price_engine() -> None:
    """Import genai-prices and its data now (a worker calls it: the first call's price is then
    not paid on the UI thread, however warm the cache of rates is)."""
    import genai_prices  # noqa: F401

    _use_price_data_file()


def known_model_ids(price_provider: str) -> list[str]:
    """The model ids genai-prices knows for one provider (for "did you mean"); [] if none."""
    snapshot = _snapshot()
    if snapshot is None:
        return []
    for provider in snapshot.providers:
        if provider.id == price_provider:
            return [model.id for model in provider.models]
    return []


def known_price_providers() -> list[str]:
    """genai-prices provider ids (what ``price_provider`` may name), plus ``local``."""
    snapshot = _snapshot()
    ids = [provider.id for provider in snapshot.providers] if snapshot is not None else []
    return [*ids, "local"]


def _price_with_override(usage: Usage, rates: PriceOverride) -> Decimal:
    cache_read_rate = rates.cache_read if rates.cache_read is not None else rates.input
    cache_write_rate = rates.cache_write if rates.cache_write is not None else rates.input
    total = (
        usage.uncached_input_tokens * rates.input
        + usage.cache_read_tokens * cache_read_rate
        + usage.cache_write_tokens * cache_write_rate
        + usage.output_tokens * rates.output
    )
    return total / MTOK


def _genai_calc(usage: Usage, model: str, price_provider: str | None) -> Any | None:
    # genai-prices rejects usage whose parts exceed their whole (cache > input, 1h > all writes);
    # a provider reporting that is off by a few tokens, so clamp rather than lose the price.
    cache_write = usage.cache_write_tokens
    write_1h = min(usage.cache_write_1h_tokens, cache_write)
    input_tokens = max(usage.input_tokens, usage.cache_read_tokens + cache_write)
    try:
        return _calc_cached(
            input_tokens,
            usage.cache_read_tokens,
            cache_write - write_1h,
            write_1h,
            usage.output_tokens,
            model,
            price_provider,
        )
    except (LookupError, ValueError):
        return None


@functools.lru_cache(maxsize=4096)
def _calc_cached(
    input_tokens: int,
    cache_read: int,
    cache_write_5m: int,
    cache_write_1h: int,
    output_tokens: int,
    model: str,
    price_provider: str | None,
) -> Any:
    import genai_prices

    _use_price_data_file()
    # In genai-prices a unit whose dimensions extend another's is a subset of it:
    # cache_write_1h_tokens is counted inside cache_write_tokens (priced at the 1h rate when the
    # model has one), and both cache kinds inside input_tokens.
    fields = {
        "input_tokens": input_tokens,
        "cache_read_tokens": cache_read or None,
        "cache_write_tokens": (cache_write_5m + cache_write_1h) or None,
        "cache_write_1h_tokens": cache_write_1h or None,
        "output_tokens": output_tokens,
    }
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        usage = genai_prices.Usage(**{k: v for k, v in fields.items() if v is not None})
        return genai_prices.calc_price(usage, model, provider_id=price_provider)


def _snapshot() -> Any | None:
    try:
        from genai_prices import data_snapshot

        _use_price_data_file()
        return data_snapshot.get_snapshot()
    except Exception:  # an internal API of genai-prices: suggestions are optional
        return None


def _first_tier_start(value: Any) -> int | None:
    tiers = getattr(value, "tiers", None)
    return int(tiers[0].start) if tiers else None


def _base(value: Any) -> Decimal | None:
    """The base rate of a plain or tiered genai-prices price."""
    if value is None:
        return None
    base = getattr(value, "base", value)
    return Decimal(str(base))


# -- the price data in use: bundled, or a newer data file from `prices update` ----------------

PRICE_DATA_FILE = "genai-prices-data.json"
_ISO_DATE = re.compile(r"20\d\d-[01]\d-[0-3]\d")
_PY_DATE = re.compile(r"date\((20\d\d), (\d+), (\d+)\)")


@dataclass(frozen=True)
class PriceDataInfo:
    """Which price data prices calls, and how recent it is.

    Attributes:
        source: "bundled" (genai-prices' own data) or "file" (loaded with `prices update`).
        version: the installed genai-prices version.
        newest_price_date: the latest date a price in the data takes effect (YYYY-MM-DD), the best
            available measure of how current the data is; None when the data has no dated price.
        path: the data file, for source "file".
        loaded_at: when the file was loaded (its modification time, local ISO date and time).
    """

    source: Literal["bundled", "file"]
    version: str
    newest_price_date: str | None
    path: Path | None = None
    loaded_at: str | None = None

    def describe(self) -> str:
        when = f"newest price from {self.newest_price_date}" if self.newest_price_date else ""
        if self.source == "file":
            return f"price data: {self.path} (loaded {self.loaded_at}{', ' if when else ''}{when})"
        return f"price data: genai-prices {self.version}, bundled" + (f" ({when})" if when else "")


def price_data_path() -> Path:
    return get_paths().data_dir / PRICE_DATA_FILE


def price_data_info() -> PriceDataInfo:
    """What prices calls now, read without importing genai-prices (cheap enough for `models`;
    the bundled data's version and newest date come from the cache when it is warm)."""
    path = price_data_path()
    cache = _price_cache()
    cached = cache.get("bundled data")
    if not path.is_file() and isinstance(cached, list) and len(cached) == 2:
        return PriceDataInfo("bundled", str(cached[0]), cached[1])
    from importlib import metadata

    try:
        version = metadata.version("genai-prices")
    except metadata.PackageNotFoundError:
        version = "?"
    if path.is_file():
        loaded = datetime.fromtimestamp(path.stat().st_mtime, UTC).astimezone()
        return PriceDataInfo(
            "file", version, _newest_date(_read_text(path)), path, loaded.strftime("%Y-%m-%d %H:%M")
        )
    bundled = _bundled_data_file()
    text = _read_text(bundled) if bundled is not None else ""
    info = PriceDataInfo("bundled", version, _newest_date(text))
    cache["bundled data"] = [version, info.newest_price_date]
    _save_price_cache()
    return info


def load_price_data(path: Path) -> tuple[list[Any], str]:
    """Parse and validate a genai-prices data file (the JSON list of providers it publishes).

    Returns the providers and the file's text. Raises `UserFacingError` naming the file and the
    problem when it is not one.
    """
    from genai_prices import types

    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise UserFacingError(f"{path}: cannot read the price data file ({exc})") from None
    try:
        raw = json.loads(text)
    except json.JSONDecodeError as exc:
        raise UserFacingError(f"{path}: not JSON ({exc})") from None
    if not isinstance(raw, list) or not raw:
        raise UserFacingError(
            f"{path}: not a genai-prices data file (expected a JSON list of providers, as in "
            "genai-prices' prices/data.json)"
        )
    try:
        providers = types._providers_from_raw(raw)
    except ValueError as exc:  # pydantic's ValidationError is a ValueError
        first = str(exc).splitlines()
        detail = " ".join(line.strip() for line in first[1:3]) or first[0]
        raise UserFacingError(f"{path}: not a valid genai-prices data file: {detail}") from None
    return list(providers), text


def install_price_data(source: Path) -> tuple[Path, int, int]:
    """Validate ``source`` and keep a copy in the data folder; returns (path, providers, models)."""
    providers, text = load_price_data(source)
    target = price_data_path()
    ensure_dir(target.parent)
    partial = target.with_suffix(".partial")
    partial.write_text(text, encoding="utf-8")
    os.replace(partial, target)
    reset_price_data()
    return target, len(providers), sum(len(p.models) for p in providers)


def remove_price_data() -> bool:
    """Go back to the bundled data; False when no file was loaded."""
    path = price_data_path()
    if not path.is_file():
        return False
    path.unlink()
    reset_price_data()
    return True


def reset_price_data() -> None:
    """Forget the data in use (after `prices update`, or in tests that change TUI_ROUTER_HOME)."""
    _use_price_data_file.cache_clear()
    _calc_cached.cache_clear()
    _cache_memo.clear()
    from genai_prices import data_snapshot

    data_snapshot.set_custom_snapshot(None)


@functools.cache
def _use_price_data_file() -> None:
    """Price with the loaded data file when there is one (once per process)."""
    path = price_data_path()
    if not path.is_file():
        return
    from genai_prices import data_snapshot

    try:
        providers, _ = load_price_data(path)
    except UserFacingError as exc:
        warnings.warn(f"{exc}; using the bundled price data", stacklevel=2)
        return
    data_snapshot.set_custom_snapshot(data_snapshot.DataSnapshot(providers, from_auto_update=False))


def _read_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return ""


def _newest_date(text: str) -> str | None:
    """The latest date up to today in the data (scheduled future prices are not "current")."""
    today = datetime.now().date().isoformat()
    found = [m.group(0) for m in _ISO_DATE.finditer(text)]
    found += [f"{int(y):04d}-{int(m):02d}-{int(d):02d}" for y, m, d in _PY_DATE.findall(text)]
    past = [d for d in found if d <= today]
    return max(past) if past else None


# -- the cache of rates: what `models` and `route` need, without importing genai-prices --------

PRICE_CACHE_FILE = "price-cache.json"
_RATE_FIELDS = ("input", "output", "cache_read", "cache_write")
#: this process's copy of the cache file: {"path", "stamp", "data"}
_cache_memo: dict[str, Any] = {}


@functools.cache
def _bundled_data_file() -> Path | None:
    """genai-prices' data module (found, not imported)."""
    from importlib import util

    spec = util.find_spec("genai_prices")
    return Path(spec.origin).with_name("data.py") if spec and spec.origin else None


def _file_stamp(path: Path | None) -> list[int] | None:
    try:
        stat = path.stat() if path is not None else None
    except OSError:
        return None
    return [stat.st_size, stat.st_mtime_ns] if stat is not None else None


def _cache_stamp() -> str:
    """What the cached figures depend on: the installed genai-prices data (a new version is a new
    file), the data file `prices update` loaded, and the day (prices take effect on dates)."""
    stamps = [_file_stamp(_bundled_data_file()), _file_stamp(price_data_path())]
    return json.dumps([*stamps, datetime.now().date().isoformat()])


def _price_cache() -> dict[str, Any]:
    """The cached figures for the current data (empty when the file is missing or stale)."""
    path = get_paths().cache_dir / PRICE_CACHE_FILE
    stamp = _cache_stamp()
    if _cache_memo.get("path") == path and _cache_memo.get("stamp") == stamp:
        data: dict[str, Any] = _cache_memo["data"]
        return data
    data = {}
    with contextlib.suppress(OSError, ValueError):
        raw = json.loads(path.read_text(encoding="utf-8"))
        if (
            isinstance(raw, dict)
            and raw.get("stamp") == stamp
            and isinstance(raw.get("data"), dict)
        ):
            data = raw["data"]
    _cache_memo.update(path=path, stamp=stamp, data=data)
    return data


def _save_price_cache() -> None:
    """Write the cache (atomically; a failure only means the next run computes again)."""
    path: Path | None = _cache_memo.get("path")
    if path is None:
        return
    # a copy (atomic under the GIL): the TUI's warm-up worker and its UI thread both look rates up
    data = dict(_cache_memo["data"])
    payload = json.dumps({"stamp": _cache_memo["stamp"], "data": data})
    partial = path.with_name(f"{path.name}.{os.getpid()}.partial")
    try:
        ensure_dir(path.parent)
        partial.write_text(payload, encoding="utf-8")
        os.replace(partial, path)
    except OSError:
        with contextlib.suppress(OSError):
            partial.unlink()


def _rates_to_json(rates: Rates | None) -> dict[str, Any] | None:
    if rates is None:
        return None
    fields: dict[str, Any] = {
        name: None if getattr(rates, name) is None else str(getattr(rates, name))
        for name in _RATE_FIELDS
    }
    fields.update(
        context_window=rates.context_window,
        priced_as=rates.priced_as,
        tiered_above=rates.tiered_above,
    )
    return fields


def _rates_from_json(fields: dict[str, Any] | None) -> Rates | None:
    if fields is None:
        return None

    def rate(name: str) -> Decimal | None:
        value = fields[name]
        return None if value is None else Decimal(value)

    return Rates(
        input=rate("input") or Decimal(0),
        output=rate("output") or Decimal(0),
        cache_read=rate("cache_read"),
        cache_write=rate("cache_write"),
        context_window=fields["context_window"],
        source="genai-prices",
        priced_as=fields["priced_as"],
        tiered_above=fields["tiered_above"],
    )
