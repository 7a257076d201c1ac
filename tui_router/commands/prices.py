"""`tui-router prices [show|update --from FILE|reset]`: the price data calls are priced with.

genai-prices' data ships inside the package. `update --from FILE` loads a newer data file (its
published ``prices/data.json``, downloaded by whatever means the machine has: no network is used
here), keeps it in the data folder and prices new calls with it; `reset` goes back to the bundled
data. Recorded calls keep the price they were recorded with.
"""

from __future__ import annotations

import argparse
from pathlib import Path


def add_arguments(parser: argparse.ArgumentParser) -> None:
    actions = parser.add_subparsers(dest="action", metavar="ACTION")
    actions.add_parser("show", help="which price data is in use and how recent it is (default)")
    update = actions.add_parser(
        "update",
        help="load a newer genai-prices data file (offline: give the file)",
        description="Validate a genai-prices data file (the JSON list of providers published as "
        "prices/data.json in the genai-prices repository) and use it instead of the bundled data.",
    )
    update.add_argument(
        "--from", dest="source", type=Path, required=True, metavar="FILE", help="the data file"
    )
    actions.add_parser("reset", help="go back to the data bundled with genai-prices")


def run(args: argparse.Namespace) -> int:
    from tui_router.core import pricing

    action = getattr(args, "action", None) or "show"
    if action == "update":
        path, providers, models = pricing.install_price_data(args.source)
        print(f"loaded {args.source}: {providers} providers, {models} models")
        print(f"kept as {path}; new calls are priced with it (recorded calls keep their price)")
        print(pricing.price_data_info().describe())
        return 0
    if action == "reset":
        if pricing.remove_price_data():
            print("removed the loaded price data; back to the bundled data")
        else:
            print("no price data file was loaded; the bundled data is in use")
        print(pricing.price_data_info().describe())
        return 0
    print(pricing.price_data_info().describe())
    return 0
