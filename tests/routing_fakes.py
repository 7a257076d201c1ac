"""A small, deterministic model catalog for routing tests (no price lookups, no environment)."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from tui_router.core.config import AppConfig
from tui_router.core.pricing import Rates


def rates(inp: str, out: str, cache_read: str | None) -> Rates:
    return Rates(
        input=Decimal(inp),
        output=Decimal(out),
        cache_read=None if cache_read is None else Decimal(cache_read),
        cache_write=None,
        context_window=None,
        source="override",
    )


@dataclass(frozen=True)
class FakeModel:
    id: str
    tier: str | None
    context_window: int | None
    rates: Rates | None
    available: bool = True


@dataclass
class FakeCatalog:
    models: list[FakeModel] = field(default_factory=list)

    def by_tier(self) -> dict[str, list[FakeModel]]:
        out: dict[str, list[FakeModel]] = {t: [] for t in ("local", "fast", "balanced", "frontier")}
        for model in self.models:
            if model.tier is not None:
                out[model.tier].append(model)
        return out

    def get(self, model_id: str) -> FakeModel | None:
        return next((m for m in self.models if m.id == model_id), None)


def standard_catalog(**available: bool) -> FakeCatalog:
    """local (2k window, free), two fast models (one with a small window), balanced, frontier."""
    models = [
        FakeModel("tiny-local", "local", 2_048, rates("0", "0", "0")),
        FakeModel("small-fast", "fast", 32_000, rates("0.5", "2", "0.05")),
        FakeModel("fast-big", "fast", 200_000, rates("1", "5", "0.1")),
        FakeModel("mid", "balanced", 400_000, rates("3", "15", "0.3")),
        FakeModel("top", "frontier", 1_000_000, rates("5", "25", "0.5")),
    ]
    return FakeCatalog(
        [
            FakeModel(
                m.id, m.tier, m.context_window, m.rates, available.get(m.id.replace("-", "_"), True)
            )
            for m in models
        ]
    )


def standard_config(**overrides: object) -> AppConfig:
    tiers = {
        "local": ["tiny-local"],
        "fast": ["small-fast", "fast-big"],
        "balanced": ["mid"],
        "frontier": ["top"],
    }
    values: dict[str, object] = {
        "tiers": tiers,
        "frontier_model": "top",
        "routing_strategy": "rules",
    }
    values.update(overrides)
    return AppConfig(**values)  # type: ignore[arg-type]
