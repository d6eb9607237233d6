"""The kernel manager of a served app: at most ``max_kernels`` kernels at once.

Every page a visitor opens starts a kernel. :class:`CappedKernelManager` refuses a
new kernel once ``max_kernels`` are running (or starting), with HTTP 503 and a
message the visitor reads on the error page of the offline template; idle kernels
are culled by the settings :func:`kamlib.apps.voila.voila_command` passes
(``MappingKernelManager.cull_idle_timeout``).
"""

from __future__ import annotations

from typing import Any

from jupyter_server.services.kernels.kernelmanager import AsyncMappingKernelManager
from tornado import web
from traitlets import Integer, Unicode

__all__ = ["CappedKernelManager"]


class CappedKernelManager(AsyncMappingKernelManager):
    """A kernel manager that starts no more than ``max_kernels`` kernels at once (0: no cap).

    Examples
    --------
    >>> manager = CappedKernelManager(max_kernels=2, full_message="The room is full.")
    >>> manager.max_kernels, manager.full()
    (2, False)
    """

    max_kernels = Integer(0, config=True, help="Most kernels running at once; 0 means no cap.")
    full_message = Unicode("", config=True, help="What a visitor reads when every kernel is taken.")

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.starting = 0

    def full(self) -> bool:
        """Whether a new kernel would pass the cap."""
        return bool(self.max_kernels) and len(self.list_kernel_ids()) + self.starting >= self.max_kernels

    async def start_kernel(self, *args: Any, **kwargs: Any) -> str:
        """Start a kernel, or raise ``HTTPError(503)`` with :attr:`full_message` when the cap is reached."""
        if kwargs.get("kernel_id") is None and self.full():
            self.log.warning("kernel refused: %d kernels are running (the cap)", self.max_kernels)
            raise web.HTTPError(503, self.full_message.replace("%", "%%"))
        self.starting += 1
        try:
            return await super().start_kernel(*args, **kwargs)
        finally:
            self.starting -= 1
