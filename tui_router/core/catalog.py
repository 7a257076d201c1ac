"""The model catalog: every model the config's tiers name or an endpoint lists, with its tier,
endpoint, availability, prices and context window.

Building a catalog is cheap (no genai-prices import): a model's `rates` and `context_window` are
looked up on first access and cached. Call `Catalog.warm` from a worker to pay that (~0.5 s cold)
off the UI thread.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from tui_router.core import endpoints
from tui_router.core.config import AppConfig, EndpointConfig, PriceOverride, did_you_mean
from tui_router.core.endpoints import UnknownModelError, all_endpoints, resolve_model
from tui_router.core.errors import UserFacingError
from tui_router.core.extras import install_command
from tui_router.core.tiers import DEFAULT_MODEL_ORDER, TIERS

if TYPE_CHECKING:
    from tui_router.core.pricing import Price, Rates
    from tui_router.core.usage import Usage

#: The context the bundled SmolLM2-135M runs with (its n_ctx in the local provider).
LOCAL_CONTEXT_WINDOW = 2048

NO_MODEL_HELP = (
    "no model is available. Do one of these:\n"
    "  - set ANTHROPIC_API_KEY or OPENAI_API_KEY in the environment;\n"
    "  - add an OpenAI-compatible endpoint to config.toml, e.g.\n"
    '      [endpoints.ollama]\n      base_url = "http://localhost:11434/v1"\n'
    '      models = ["llama3.2"]\n'
    '    and put "ollama/llama3.2" in a [tiers] list;\n'
    f"  - install the offline local model: {install_command('local')}"
)


@dataclass(frozen=True)
class ModelInfo:
    """One model as the app offers it.

    Attributes:
        id: the id as the user types it (``claude-haiku-4-5``, ``local/smollm2-135m``,
            ``ollama/llama3.2``).
        endpoint: where it is served from.
        api_model: the id sent to the API (no endpoint prefix).
        tier: ``local``/``fast``/``balanced``/``frontier``, or None when no tier lists it.
        available: whether it can be called now (key set, endpoint configured, model installed).
        availability: why it is available, or how to make it so.
        price_provider: the genai-prices provider id used to price it (``local``: free).
        price_override: the config's [prices] entry for it, if any.
    """

    id: str
    endpoint: EndpointConfig
    api_model: str
    tier: str | None
    available: bool
    availability: str
    price_provider: str | None
    price_override: PriceOverride | None = field(default=None, repr=False)

    @functools.cached_property
    def rates(self) -> Rates | None:
        """$/MTok (None when no price is known). First access may import genai-prices."""
        # (pricing is imported on first use: `tui-router --model X` builds a catalog to check X
        # before the first frame, and needs no price for that)
        from tui_router.core.pricing import model_rates

        return model_rates(self.api_model, self.price_provider, self._overrides())

    @functools.cached_property
    def context_window(self) -> int | None:
        """Tokens the prompt and the answer share: genai-prices' figure, 2,048 for the bundled
        model, else None (unknown: the router allows it and calls send ``max_tokens`` as is)."""
        if self.endpoint.kind == "local":
            return LOCAL_CONTEXT_WINDOW
        rates = self.rates
        if rates is not None and rates.source == "genai-prices":
            return rates.context_window
        if self.price_provider == "local":
            return None
        from tui_router.core.pricing import model_rates

        known = model_rates(self.api_model, self.price_provider)  # the override hid it
        return known.context_window if known is not None else None

    @property
    def offline_fallback(self) -> bool:
        """True for the bundled model (an endpoint of kind ``local``): a 135M model that answers
        offline. The router takes it only when no other model that holds the turn can be called;
        the user can still pick it by hand. A local-tier model of the user's own endpoint (Ollama,
        LM Studio) is not a fallback and is routed like any other."""
        return self.endpoint.kind == "local"

    @property
    def priced(self) -> bool:
        return self.rates is not None

    def price(self, usage: Usage) -> Price:
        """The cost of one call's ``usage`` on this model (override, genai-prices or unknown)."""
        from tui_router.core.pricing import price_call

        return price_call(usage, self.api_model, self.price_provider, self._overrides())

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: prices as decimal strings ($/MTok), null when unknown."""
        rates = self.rates

        def money(value: Any) -> str | None:
            return None if value is None else str(value)

        return {
            "id": self.id,
            "tier": self.tier,
            "endpoint": self.endpoint.name,
            "endpoint_kind": self.endpoint.kind,
            "api_model": self.api_model,
            "available": self.available,
            "availability": self.availability,
            "offline_fallback": self.offline_fallback,
            "context_window": self.context_window,
            "price_source": rates.source if rates is not None else "unknown",
            "priced_as": rates.priced_as if rates is not None else None,
            "usd_per_mtok": {
                "input": money(rates.input if rates else None),
                "output": money(rates.output if rates else None),
                "cache_read": money(rates.cache_read if rates else None),
                "cache_write": money(rates.cache_write if rates else None),
            },
            "tiered_above_input_tokens": rates.tiered_above if rates is not None else None,
        }

    def _overrides(self) -> dict[str, PriceOverride] | None:
        return {self.api_model: self.price_override} if self.price_override else None


class Catalog:
    """The models of one config, in sidebar order: tiers in `TIERS` order, then untiered ones."""

    def __init__(self, config: AppConfig, models: list[ModelInfo]) -> None:
        self.config = config
        self.models: tuple[ModelInfo, ...] = tuple(models)
        self._by_id = {m.id: m for m in self.models}
        self._by_endpoint = {(m.endpoint.name, m.api_model): m for m in self.models}

    def __iter__(self) -> Iterator[ModelInfo]:
        return iter(self.models)

    def __len__(self) -> int:
        return len(self.models)

    @property
    def ids(self) -> list[str]:
        return [m.id for m in self.models]

    def get(self, model_id: str) -> ModelInfo | None:
        """The entry for ``model_id``, also when spelled another way (``local/x`` or ``x``)."""
        found = self._by_id.get(model_id)
        if found is not None:
            return found
        try:
            resolved = resolve_model(model_id, self.config)
        except UnknownModelError:
            return None
        return self._by_endpoint.get((resolved.endpoint.name, resolved.model))

    def require(self, model_id: str) -> ModelInfo:
        """Like `get`, but raise `UnknownModelError` with a "did you mean" over known ids."""
        found = self.get(model_id)
        if found is not None:
            return found
        guess = did_you_mean(model_id, self.ids)
        hint = f"; did you mean {guess!r}?" if guess else ""
        raise UnknownModelError(
            f"model {model_id!r} is not in the catalog{hint} (see `tui-router models`)"
        )

    def describe(self, model_id: str) -> ModelInfo:
        """Any model id the endpoints can serve, in the catalog or not (``ask --model``).

        Raises `UnknownModelError` when no endpoint serves it.
        """
        found = self.get(model_id)
        if found is not None:
            return found
        try:
            return _model_info(model_id, self.config, self.config.tier_of(model_id))
        except UnknownModelError as exc:
            guess = did_you_mean(model_id, self.ids)
            if guess is None:
                raise
            raise UnknownModelError(f"{exc} (did you mean {guess!r}?)") from None

    def by_tier(self) -> dict[str, list[ModelInfo]]:
        """Every tier in `TIERS` order (empty lists included) with its models in listed order."""
        return {tier: [m for m in self.models if m.tier == tier] for tier in TIERS}

    def untiered(self) -> list[ModelInfo]:
        """Models an endpoint lists that no tier names."""
        return [m for m in self.models if m.tier is None]

    def first_available(self, tier: str, *, fallback_ok: bool = True) -> ModelInfo | None:
        """The first callable model listed in ``tier`` (``fallback_ok=False``: not the bundled
        offline model)."""
        return next(
            (
                m
                for m in self.models
                if m.tier == tier and m.available and (fallback_ok or not m.offline_fallback)
            ),
            None,
        )

    def default_model(self) -> ModelInfo:
        """The model a new session starts on.

        config.default_model if set; else the first available of fast, balanced, frontier, local
        and then untiered models, the offline fallback last. Raises `UserFacingError` saying how
        to get one.
        """
        if self.config.default_model:
            return self.describe(self.config.default_model)
        tiers = self.by_tier()
        ordered = [m for t in DEFAULT_MODEL_ORDER for m in tiers[t]]
        callable_now = [m for m in (*ordered, *self.untiered()) if m.available]
        callable_now.sort(key=lambda m: m.offline_fallback)  # stable: listed order otherwise
        if callable_now:
            return callable_now[0]
        if endpoints.local_model_installed():  # the bundled model, even when no tier lists it
            return self.describe("local/smollm2-135m")
        raise UserFacingError(NO_MODEL_HELP)

    def frontier(self) -> ModelInfo:
        """The model the frontier-only baseline is priced on (config.frontier_model)."""
        return self.describe(self.config.frontier_model)

    def stronger_tier(self, tier: str | None) -> str | None:
        """The next tier up that has an available model, or None."""
        if tier not in TIERS:
            return None
        above = TIERS[TIERS.index(tier) + 1 :]
        return next((t for t in above if self.first_available(t) is not None), None)

    def next_model(self, current_id: str | None, step: int = 1) -> ModelInfo | None:
        """The model ``step`` places after ``current_id`` in sidebar order, wrapping around.

        Only available models take part (all models when none is available). From a model that
        is not available (switched to by name) the count starts at its place in the sidebar: f2
        on gpt-5-mini without its key went back to the first model, not on to the next one. An
        id not in the catalog starts from the first (``step > 0``) or the last model.
        """
        candidates = [m for m in self.models if m.available] or list(self.models)
        if not candidates:
            return None
        current = self.get(current_id) if current_id else None
        if current is None:
            return candidates[0] if step > 0 else candidates[-1]
        if current not in candidates:  # its place among the others, then one step less
            place = self.models.index(current)
            before = sum(1 for m in candidates if self.models.index(m) < place)
            index = before - 1 if step > 0 else before
            return candidates[(index + step) % len(candidates)]
        index = candidates.index(current)
        return candidates[(index + step) % len(candidates)]

    def warm(self, *, price_engine: bool = True) -> None:
        """Look up every model's prices now (maybe from the cache of rates) and, with
        ``price_engine``, import genai-prices, which pricing a call needs: call from a worker."""
        for model in self.models:
            _ = model.rates, model.context_window
        if price_engine:
            from tui_router.core.pricing import warm_price_engine

            warm_price_engine()


def build_catalog(config: AppConfig) -> Catalog:
    """All models the config's tiers name, then those endpoints list that no tier names.

    Costs well under a millisecond per model: no prices are looked up until asked for.
    """
    statuses: dict[str, tuple[bool, str]] = {}
    models: list[ModelInfo] = []
    seen: set[tuple[str, str]] = set()

    def add(model_id: str, tier: str | None) -> None:
        info = _model_info(model_id, config, tier, statuses)
        key = (info.endpoint.name, info.api_model)
        if key not in seen:
            seen.add(key)
            models.append(info)

    for tier in TIERS:
        for model_id in config.tiers.get(tier, []):
            add(model_id, tier)
    for endpoint in all_endpoints(config):
        for api_model in endpoint.models:
            if endpoint.name in ("anthropic", "openai"):
                add(api_model, None)
            else:
                add(f"{endpoint.name}/{api_model}", None)
    return Catalog(config, models)


def pricing_warnings(catalog: Catalog) -> list[str]:
    """One line per catalog model without a known price (shown as n/a), with a likely fix."""
    from tui_router.core.pricing import known_model_ids

    warnings = []
    for model in catalog:
        if model.priced:
            continue
        provider = model.price_provider
        guess = did_you_mean(model.api_model, known_model_ids(provider)) if provider else None
        hint = f"did you mean {guess!r}? Or " if guess else ""
        warnings.append(
            f"model {model.id!r} has no known price (costs show n/a); {hint}add a "
            f'[prices."{model.id}"] table with input and output ($ per million tokens)'
        )
    return warnings


def _model_info(
    model_id: str,
    config: AppConfig,
    tier: str | None,
    statuses: dict[str, tuple[bool, str]] | None = None,
) -> ModelInfo:
    resolved = resolve_model(model_id, config)
    endpoint = resolved.endpoint
    if statuses is None or endpoint.name not in statuses:
        status = endpoints.endpoint_status(endpoint)
        if statuses is not None:
            statuses[endpoint.name] = status
    else:
        status = statuses[endpoint.name]
    override = config.prices.get(model_id) or config.prices.get(resolved.model)
    return ModelInfo(
        id=model_id,
        endpoint=endpoint,
        api_model=resolved.model,
        tier=tier,
        available=status[0],
        availability=status[1],
        price_provider=endpoint.price_provider,
        price_override=override,
    )
