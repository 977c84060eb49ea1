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
    code = "limit"
