class DomainError(Exception):
    """A business rule said no. `message` is for people (a lazy translation), `code` for programs."""

    def __init__(self, message, code: str, field: str | None = None):
        super().__init__(str(code))
        self.message = message
        self.code = code
        self.field = field
