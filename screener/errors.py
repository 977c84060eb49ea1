"""The project's own input errors: each says what is wrong and what to do about it."""


class InputError(Exception):
    """A file or text that screener cannot read. The message is for the user (English)."""

    #: short machine-readable reason, used by the app to pick its Vietnamese message
    code = "unreadable"


class UnsupportedFormatError(InputError):
    code = "unsupported_format"


class EmptyDocumentError(InputError):
    code = "empty"


class ScannedPDFError(InputError):
    """A PDF whose pages carry no text layer: it needs OCR before it can be screened."""

    code = "scanned_pdf"


class EncryptedPDFError(InputError):
    code = "encrypted"


class LimitExceededError(InputError):
    """A document past one of ``screener.limits``; ``limit`` names which one ("file_size",
    "pages", "chars", "unzipped", "stream", "time", "memory"), so the app can say it."""

    code = "limit"

    def __init__(self, message: str = "", limit: str | None = None):
        super().__init__(message)
        self.limit = limit


class MacroDocumentError(UnsupportedFormatError):
    """A macro-enabled Word file (.docm, or a DOCX carrying ``vbaProject.bin``): refused, never run."""

    code = "macros"
