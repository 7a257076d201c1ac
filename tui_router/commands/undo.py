"""`tui-router undo`: put back the files an agent turn changed (its checkpoint).

Without arguments (or with ``--last``) the newest checkpoint not yet undone, across sessions.
A file changed since that turn stops the undo (nothing is written) unless ``--force``.
"""

from __future__ import annotations

import argparse

from tui_router.commands.arguments import positive_int


def add_arguments(parser: argparse.ArgumentParser) -> None:
    which = parser.add_mutually_exclusive_group()
    which.add_argument(
        "checkpoint",
        nargs="?",
        type=positive_int,
        metavar="CHECKPOINT",
        help="the checkpoint id to restore (see --list)",
    )
    which.add_argument(
        "--last",
        action="store_true",
        help="the newest checkpoint not yet undone (the default)",
    )
    which.add_argument("--list", action="store_true", help="list recent checkpoints instead")
    parser.add_argument(
        "--force",
        action="store_true",
        help="overwrite files that changed since the turn",
    )


def run(args: argparse.Namespace) -> int:
    from tui_router.core.agent.checkpoints import (
        CheckpointError,
        get_checkpoint,
        last_checkpoint_id,
        list_checkpoints,
        restore_checkpoint,
    )
    from tui_router.core.store import Store

    with Store() as store:
        if args.list:
            rows = list_checkpoints(store)
            if not rows:
                print("No checkpoints yet: an agent turn that changes files makes one.")
            for row in rows:
                state = "undone" if row.restored else "can undo"
                files = ", ".join(row.files[:4]) + (" ..." if len(row.files) > 4 else "")
                print(
                    f"{row.id:>5}  {row.created_at[:19]}  session {row.session_id} turn "
                    f"{row.turn}  [{state}]  {files}"
                )
            return 0
        checkpoint_id = args.checkpoint or last_checkpoint_id(store)
        if checkpoint_id is None and list_checkpoints(store, limit=1):
            raise CheckpointError(
                "nothing left to undo: every agent turn that changed files has been undone "
                "(`tui-router undo --list` shows them)"
            )
        if checkpoint_id is None:
            raise CheckpointError("nothing to undo: no agent turn has changed files yet")
        result = restore_checkpoint(store, checkpoint_id, force=args.force)
        found = get_checkpoint(store, checkpoint_id)
    for path in result.restored:
        note = " (overwrote changes made since)" if path in result.conflicts else ""
        print(f"restored {path}{note}")
    for path in result.removed:
        print(f"removed {path}")
    for folder in result.folders:  # made by the turn for its new files, empty again
        print(f"removed {folder}/ (a folder the turn made)")
    where = f" (turn {found.turn} of session {found.session_id})" if found else ""
    print(f"restored checkpoint {checkpoint_id}{where}")
    return 0
