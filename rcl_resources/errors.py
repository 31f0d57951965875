"""Typed errors, and the one place where AWS errors become messages a user can act on."""

from __future__ import annotations

from botocore.exceptions import ClientError


class RclError(Exception):
    """Base class of every error rcl_resources raises on purpose."""


class WaitTimeout(RclError):
    """A status wait ran past its deadline."""


class TerminalStatus(RclError):
    """A resource reached a failure status (CREATE_FAILED, TRAINING_FAILED, ...)."""

    def __init__(self, message: str, status: str, status_message: str | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.status_message = status_message


class NotOwned(RclError):
    """A resource with the wanted name exists but was not made by this stack resource."""


class QualityGateFailed(RclError):
    """A trained model scored below `min_f1_score`."""


def error_code(err: BaseException) -> str | None:
    """The AWS error code of a botocore ClientError, or None for anything else."""
    if isinstance(err, ClientError):
        return str(err.response.get("Error", {}).get("Code") or "") or None
    return None


def is_code(err: BaseException, *codes: str) -> bool:
    """True when `err` is a ClientError carrying one of `codes`."""
    return error_code(err) in codes


_THROTTLED = (
    "AWS kept throttling after all retries; run `pulumi up` again, or use "
    "`--parallel 2` to make fewer concurrent calls"
)
_ADVICE = {
    "AccessDeniedException": (
        "the credentials in use may not call rekognition:{operation}; grant it in IAM "
        "(see the README's 'IAM permissions') or pick another profile with `rcl:profile`"
    ),
    "ThrottlingException": _THROTTLED,
    "ProvisionedThroughputExceededException": _THROTTLED,
    "LimitExceededException": (
        "an account quota was reached (projects, concurrent trainings, running models or "
        "inference units); stop or delete what you do not need, or ask AWS for a higher quota"
    ),
    "ServiceQuotaExceededException": (
        "an account quota was reached; ask AWS for a higher quota in Service Quotas"
    ),
    "InvalidS3ObjectException": (
        "check that the S3 object exists, is in the same region, and is readable by Rekognition"
    ),
    "ResourceNotFoundException": "it no longer exists; run `pulumi refresh` to update the state",
    "InternalServerError": "AWS had an internal error after all retries; run `pulumi up` again",
}


def explain(err: Exception, doing: str) -> RclError:
    """Turn an error raised while `doing` something into an RclError with advice."""
    if not isinstance(err, ClientError):
        return RclError(f"{doing} failed: {type(err).__name__}: {err}")
    code = error_code(err) or "UnknownError"
    operation = err.operation_name
    message = err.response.get("Error", {}).get("Message") or str(err)
    advice = _ADVICE.get(code, "").format(operation=operation)
    text = f"{doing} failed: {code}: {message}"
    if advice:
        text += f" ({advice})"
    return RclError(text)
