"""The agent: the tools a model may call, the workspace boundary, permissions and checkpoints.

Plain Python (never textual). `workspace` draws the boundary, `permissions` decides allow / ask /
deny for each call, `tools` runs the six tools, `checkpoints` keeps what a turn overwrote so
`tui-router undo` can put it back.
"""
