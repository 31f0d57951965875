"""AWS error codes returned by the emulator, one class per code (as the real service names them)."""

from __future__ import annotations


class RekognitionError(Exception):
    """Base class: an AWS JSON 1.1 error with a ``__type`` code and an HTTP status."""

    code = "InternalServerError"
    status = 400

    def __init__(self, message: str = "") -> None:
        super().__init__(message)
        self.message = message

    def to_body(self) -> dict[str, str]:
        """The JSON error body the real service returns."""
        return {"__type": self.code, "Message": self.message}


def _error(code: str, status: int = 400) -> type[RekognitionError]:
    return type(code, (RekognitionError,), {"code": code, "status": status, "__doc__": code})


AccessDeniedException = _error("AccessDeniedException")
InternalServerError = _error("InternalServerError", 500)
# The API reference gives ThrottlingException HTTP 500. botocore retries it either way: standard
# mode by its code (and as a transient 500), legacy mode as a general server error (500).
ThrottlingException = _error("ThrottlingException", 500)
ProvisionedThroughputExceededException = _error("ProvisionedThroughputExceededException")
InvalidParameterException = _error("InvalidParameterException")
ValidationException = _error("ValidationException")
ResourceInUseException = _error("ResourceInUseException")
ResourceNotFoundException = _error("ResourceNotFoundException")
ResourceAlreadyExistsException = _error("ResourceAlreadyExistsException")
ResourceNotReadyException = _error("ResourceNotReadyException")
LimitExceededException = _error("LimitExceededException")
ServiceQuotaExceededException = _error("ServiceQuotaExceededException")
InvalidPaginationTokenException = _error("InvalidPaginationTokenException")
InvalidS3ObjectException = _error("InvalidS3ObjectException")
InvalidImageFormatException = _error("InvalidImageFormatException")
ImageTooLargeException = _error("ImageTooLargeException")
InvalidPolicyRevisionIdException = _error("InvalidPolicyRevisionIdException")
MalformedPolicyDocumentException = _error("MalformedPolicyDocumentException")
UnknownOperationException = _error("UnknownOperationException")
SerializationException = _error("SerializationException")
