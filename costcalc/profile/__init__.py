"""Profile any PyTorch model: module hooks plus an aten-level pass, named conventions, memory.

``target`` loads what the user names; ``aten_ops`` counts it (hooks for leaf modules, a
dispatch-mode pass for the functional calls hooks cannot see); ``conventions`` re-totals the
same events under each tool's documented rules; ``memory`` adds bytes and arithmetic intensity.
Everything here imports torch, so the CLI imports this package only inside its commands.
"""
