"""Rekognition JSON 1.1 front end: parse → validate → backend → serialize."""

from __future__ import annotations

import json
import logging
import random
import re
import time
import uuid
from collections.abc import Callable
from typing import Any

from . import exceptions as exc
from .validation import service_model, validate_input
from .world import World

log = logging.getLogger("rcl_emulator")

TARGET_PREFIX = "RekognitionService."
OPERATIONS = {
    "CreateProject",
    "DescribeProjects",
    "DeleteProject",
    "CreateDataset",
    "DescribeDataset",
    "DeleteDataset",
    "ListDatasetEntries",
    "ListDatasetLabels",
    "UpdateDatasetEntries",
    "DistributeDatasetEntries",
    "CreateProjectVersion",
    "DescribeProjectVersions",
    "StartProjectVersion",
    "StopProjectVersion",
    "DeleteProjectVersion",
    "CopyProjectVersion",
    "PutProjectPolicy",
    "ListProjectPolicies",
    "DeleteProjectPolicy",
    "TagResource",
    "UntagResource",
    "ListTagsForResource",
    "DetectCustomLabels",
    "DetectModerationLabels",
}
READ_ONLY = {
    "DescribeProjects",
    "DescribeDataset",
    "ListDatasetEntries",
    "ListDatasetLabels",
    "DescribeProjectVersions",
    "ListProjectPolicies",
    "ListTagsForResource",
    "DetectCustomLabels",
    "DetectModerationLabels",
}
# Inference operation -> (backend method that finds the model, function in inference.py).
INFERENCE = {
    "DetectCustomLabels": ("model_for_detection", "detect"),
    "DetectModerationLabels": ("adapter_for_detection", "detect_moderation"),
}
# Describe operation -> the statuses its reply reports, as ARN -> Status (from the request's
# parameters and the reply's body). Recorded in the request log as "seen", so the log tells
# when a client first noticed a status change.
SEEN: dict[str, Callable[[dict[str, Any], dict[str, Any]], dict[str, str]]] = {
    "DescribeProjects": lambda params, out: {
        d["ProjectArn"]: d["Status"] for d in out["ProjectDescriptions"]
    },
    "DescribeProjectVersions": lambda params, out: {
        d["ProjectVersionArn"]: d["Status"] for d in out["ProjectVersionDescriptions"]
    },
    "DescribeDataset": lambda params, out: {
        params["DatasetArn"]: out["DatasetDescription"]["Status"]
    },
}
_CREDENTIAL_RE = re.compile(r"Credential=[^/]+/\d{8}/([a-z0-9-]+)/")
JSON_TYPE = "application/x-amz-json-1.1"


def snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def region_of(authorization: str) -> str:
    """Region from the SigV4 credential scope (us-east-1 when unsigned)."""
    m = _CREDENTIAL_RE.search(authorization or "")
    return m.group(1) if m else "us-east-1"


class Reply:
    """An HTTP reply: status, JSON body and the AWS error code (if any).

    ``seen`` is what a successful Describe reply reports (ARN -> Status), for the request log.
    """

    def __init__(
        self,
        status: int,
        body: dict[str, Any],
        error: str | None = None,
        seen: dict[str, str] | None = None,
    ) -> None:
        self.status, self.body, self.error, self.seen = status, body, error, seen

    def headers(self) -> list[tuple[str, str]]:
        h = [("Content-Type", JSON_TYPE), ("x-amzn-RequestId", str(uuid.uuid4()))]
        if self.error:
            h.append(("x-amzn-ErrorType", self.error))
        return h

    def payload(self) -> bytes:
        return json.dumps(self.body).encode()


def _error_reply(e: exc.RekognitionError) -> Reply:
    return Reply(e.status, e.to_body(), e.code)


def handle(world: World, target: str, authorization: str, body: bytes) -> tuple[str, Reply]:
    """Serve one Rekognition request; returns (operation, reply) and records it in the log."""
    op = target[len(TARGET_PREFIX) :] if target.startswith(TARGET_PREFIX) else target
    reply = _dispatch(world, op, authorization, body)
    _record(world, op, reply, {})
    return op, reply


def invoke(world: World, op: str, region: str, body: bytes, marks: dict[str, Any]) -> Reply:
    """Run one Rekognition operation on behalf of the emulator itself (a schedule firing), as a
    client call would run; its request log entry carries `marks` (e.g. ``"source"``)."""
    authorization = f"Credential=emulator/20000101/{region}/rekognition/aws4_request"
    reply = _dispatch(world, op, authorization, body)
    _record(world, op, reply, marks)
    return reply


def _record(world: World, op: str, reply: Reply, marks: dict[str, Any]) -> None:
    seen = {} if reply.seen is None else {"seen": reply.seen}
    with world.lock:
        world.requests.append(
            {
                "operation": op,
                "time": time.time(),
                "status": reply.status,
                "error": reply.error,
                **seen,
                **marks,
            }
        )


def _dispatch(world: World, op: str, authorization: str, body: bytes) -> Reply:
    try:
        if op not in OPERATIONS:
            known = op in service_model().operation_names
            raise exc.UnknownOperationException(
                f"The operation {op} is not supported by the emulator."
                if known
                else f"Unknown operation {op}."
            )
        with world.lock:
            faults = world.faults
            throttle, error_rate = faults.throttle_rate, faults.error_rate
            lose = faults.lose_next_response == op
            if lose:
                faults.lose_next_response = None
        if throttle and random.random() < throttle:
            raise exc.ThrottlingException("Rate exceeded (injected fault).")
        if error_rate and random.random() < error_rate:
            raise exc.InternalServerError("Internal server error (injected fault).")
        try:
            params = json.loads(body.decode("utf-8") or "{}")
        except (UnicodeDecodeError, ValueError):
            raise exc.SerializationException("The request body is not valid JSON.") from None
        params = validate_input(op, params)
        backend = world.backend(region_of(authorization))
        if op in INFERENCE:
            from . import inference  # imports sklearn: not at startup

            find, run = INFERENCE[op]
            with world.lock:
                arn, blob = getattr(backend, find)(params)
            result = getattr(inference, run)(arn, blob, params)
        else:
            with world.lock:
                result = getattr(backend, snake(op))(params)
                if op not in READ_ONLY:
                    world.mutated()
        if lose:
            # The change is committed; only the reply is lost, as after a network failure.
            raise exc.InternalServerError(
                f"The response to {op} was lost after the change was made (injected fault)."
            )
        seen = SEEN.get(op)
        return Reply(200, result, seen=seen(params, result) if seen else None)
    except exc.RekognitionError as e:
        return _error_reply(e)
    except Exception as e:
        log.exception("unhandled error in %s", op)
        return _error_reply(exc.InternalServerError(f"Internal server error: {e}"))
