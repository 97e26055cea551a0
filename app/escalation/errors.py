"""The one error the escalation actions raise for a request that cannot be done."""


class ActionError(Exception):
    """A visit or alarm action refused for a reason the user can act on; nothing changed."""

    def __init__(self, message: str, *, status: int = 422, messages: list[str] | None = None):
        super().__init__(message)
        self.message = message
        self.status = status
        self.messages = messages or [message]
