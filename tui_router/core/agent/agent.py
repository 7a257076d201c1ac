"""The agent a session runs with: its workspace, its permissions and its tools.

A session without an `Agent` (``Session.agent is None``) is a plain chat. `Agent.for_workspace`
builds one from the config: the workspace boundary (with ``[permissions] extra_dirs``), the
permission rules, and a toolbox whose commands run in an environment scrubbed of every provider
key (and whose output is scrubbed of their values).
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tui_router.core.agent.permissions import Permissions
    from tui_router.core.agent.tools import ToolBox
    from tui_router.core.agent.workspace import Workspace
    from tui_router.core.config import AppConfig
    from tui_router.core.providers.base import ToolSpec

#: the default most model calls one agent turn may make
DEFAULT_MAX_STEPS = 40


@dataclass
class Agent:
    """The tool side of a session: where it works, what it may do, and the tools themselves.

    A session without an `Agent` (``Session.agent is None``) is a plain chat: no tools are
    offered. ``tools_enabled=False`` keeps the agent (for /undo) but offers no tools.
    """

    workspace: Workspace
    permissions: Permissions
    toolbox: ToolBox
    tools_enabled: bool = True
    max_steps: int = DEFAULT_MAX_STEPS
    #: offer the ``delegate`` tool (read-only sub-tasks on a cheap model)
    delegate: bool = True

    @property
    def workspace_root(self) -> Path:
        return self.workspace.root

    @property
    def specs(self) -> tuple[ToolSpec, ...]:
        from tui_router.core.agent.delegate import DELEGATE_SPEC
        from tui_router.core.agent.tools import TOOL_SPECS

        if not self.tools_enabled:
            return ()
        return (*TOOL_SPECS, DELEGATE_SPEC) if self.delegate else TOOL_SPECS

    @functools.cached_property
    def specs_tokens(self) -> int:
        """Estimated prompt tokens of `specs`, sent with every call (fixed for the agent)."""
        from tui_router.core.turn import tools_tokens

        return tools_tokens(self.specs)

    @classmethod
    def for_workspace(
        cls,
        config: AppConfig,
        root: Path,
        *,
        approve_all: bool = False,
        allow_tools: Sequence[str] = (),
        tools_enabled: bool = True,
        max_steps: int | None = None,
    ) -> Agent:
        """The agent for ``root``, with the config's permissions and a scrubbed environment."""
        import os

        from tui_router.core.agent.permissions import Permissions
        from tui_router.core.agent.tools import ToolBox, scrubbed_env
        from tui_router.core.agent.workspace import Workspace

        permissions_config = config.permissions
        workspace = Workspace(root, permissions_config.extra_dirs)
        key_envs = key_env_names(config)
        secrets = [os.environ[name] for name in key_envs if os.environ.get(name, "").strip()]
        toolbox = ToolBox(workspace, env=scrubbed_env(os.environ, key_envs), secrets=secrets)
        permissions = Permissions(
            permissions_config, approve_all=approve_all, allow_tools=allow_tools
        )
        return cls(
            workspace=workspace,
            permissions=permissions,
            toolbox=toolbox,
            tools_enabled=tools_enabled,
            max_steps=max_steps or config.agent_max_steps or DEFAULT_MAX_STEPS,
        )


def key_env_names(config: AppConfig) -> list[str]:
    """Every environment variable that holds a provider key: the two SDKs' and each endpoint's."""
    from tui_router.core.providers.common import DEFAULT_KEY_ENV

    names = set(DEFAULT_KEY_ENV.values())
    names.update(e.api_key_env for e in config.endpoints if e.api_key_env)
    return sorted(names)
