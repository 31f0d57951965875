"""Typed errors, and the one place where AWS errors become messages a user can act on."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

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


class QuotaExceeded(RclError):
    """An account quota stopped an operation: a lasting one, or a slot that never freed."""


@dataclass(frozen=True)
class Quota:
    """An AWS quota as Service Quotas names it, and whether it frees up by itself."""

    name: str
    code: str | None
    """Service Quotas code (service `rekognition`)."""
    operations: frozenset[str]
    words: re.Pattern[str]
    """What the error message says when it is this quota."""
    slot: bool
    """True for a concurrency quota, which frees when a training ends or a model stops."""

    def advice(self) -> str:
        """How to raise it."""
        if self.code is None:
            return "ask AWS for a higher quota in the Service Quotas console (Amazon Rekognition)"
        return (
            f"raise it in the Service Quotas console (Amazon Rekognition), or run `aws "
            f"service-quotas request-service-quota-increase --service-code rekognition "
            f"--quota-code {self.code} --desired-value <n>`"
        )


def _quota(name: str, code: str | None, operations: str, words: str, *, slot: bool) -> Quota:
    return Quota(name, code, frozenset(operations.split()), re.compile(words, re.I), slot)


_VERSIONS = "CreateProjectVersion CopyProjectVersion"
TRAINING_SLOTS = "Concurrent Amazon Rekognition Custom Labels training jobs per account"
RUNNING_SLOTS = "Concurrently running Amazon Rekognition Custom Labels models per account"
# AWS documents the quotas but not their messages: the first row whose operation and words
# match wins, and for training and starting a message that names no lasting quota is taken as
# the concurrency quota (by far the most common one to meet).
QUOTAS = (
    _quota(
        "Maximum inference units per running Amazon Rekognition Custom Labels model.",
        "L-4FA65ECB",
        "StartProjectVersion",
        r"inference unit",
        slot=False,
    ),
    _quota(
        "Amazon Rekognition Custom Labels models per project",
        "L-9CF05323",
        _VERSIONS,
        r"versions|models per project|per project",
        slot=False,
    ),
    _quota(
        "Amazon Rekognition Custom Labels projects per account",
        "L-14D0BC19",
        "CreateProject",
        r"",
        slot=False,
    ),
    _quota("Project policies per project", None, "PutProjectPolicy", r"", slot=False),
    _quota(
        TRAINING_SLOTS,
        "L-F1558568",
        _VERSIONS,
        r"",
        slot=True,
    ),
    _quota(
        RUNNING_SLOTS,
        "L-5E225387",
        "StartProjectVersion",
        r"",
        slot=True,
    ),
)


def quota_of(err: BaseException) -> Quota | None:
    """The quota a LimitExceededException/ServiceQuotaExceededException is about, else None."""
    if not is_code(err, "LimitExceededException", "ServiceQuotaExceededException"):
        return None
    assert isinstance(err, ClientError)
    message = error_message(err)
    for quota in QUOTAS:
        if quota.slot and is_code(err, "ServiceQuotaExceededException"):
            continue  # a service quota is never a slot that frees by itself
        if err.operation_name in quota.operations and quota.words.search(message):
            return quota
    return _quota("an account quota", None, err.operation_name or "", r"", slot=False)


def already_deleted(err: BaseException, deleting: Callable[[], bool]) -> bool:
    """Whether a failed delete call was in fact done: the resource is gone, or a retry whose
    first attempt got through finds it being deleted (`deleting()` reads that)."""
    return is_code(err, "ResourceNotFoundException") or (
        is_code(err, "ResourceInUseException") and deleting()
    )


def error_code(err: BaseException) -> str | None:
    """The AWS error code of a botocore ClientError, or None for anything else."""
    if isinstance(err, ClientError):
        return str(err.response.get("Error", {}).get("Code") or "") or None
    return None


def error_message(err: BaseException) -> str:
    """The AWS error message of a ClientError, or the text of anything else."""
    if isinstance(err, ClientError):
        return str(err.response.get("Error", {}).get("Message") or err)
    return str(err)


S3_MISSING = ("404", "NoSuchKey", "NoSuchBucket", "NotFound")
"""What S3 answers (HEAD: only the status) for an object or bucket that does not exist."""


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
    message = error_message(err)
    quota = quota_of(err)
    if quota is not None:
        advice = f'the quota "{quota.name}" is reached; free some of it, or {quota.advice()}'
    else:
        advice = _ADVICE.get(code, "").format(operation=operation)
    text = f"{doing} failed: {code}: {message}"
    if advice:
        text += f" ({advice})"
    return RclError(text)


# What a program catches; the package exports these.
__all__ = ["QualityGateFailed", "RclError", "TerminalStatus", "WaitTimeout"]
