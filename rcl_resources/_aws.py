"""Connection settings, boto3 clients and the API budget.

Clients are cached per process and never stored on provider objects: the provider is pickled
into the stack state, and boto3 clients cannot be pickled. boto3 is imported on first use, so
a program or a preview that makes no call does not pay for it.
"""

from __future__ import annotations

import os
import threading
import time
from collections import defaultdict, deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from . import __version__

# botocore's standard mode retries throttling and 5xx with jittered exponential backoff.
MAX_ATTEMPTS = 10
# Standard mode counts LimitExceededException as throttling. For Rekognition it means a quota
# (concurrent trainings, running models, inference units, projects): waiting for a slot, or
# failing at once on a lasting quota, is the provider's decision, not a random backoff's.
QUOTA_ERRORS = frozenset({"LimitExceededException", "ServiceQuotaExceededException"})


ENDPOINTS = {
    "endpoint_url": "rekognition",
    "s3_endpoint_url": "s3",
    "scheduler_endpoint_url": "scheduler",
}
"""Each endpoint override (a Connection field and an input of every resource) and its service."""
_OVERRIDE_OF = {service: key for key, service in ENDPOINTS.items()}


@dataclass(frozen=True)
class Connection:
    """Where and as whom to call AWS. Credentials come from the profile or the default chain."""

    region: str
    profile: str | None = None
    endpoint_url: str | None = None
    """Rekognition endpoint override."""
    s3_endpoint_url: str | None = None
    """S3 endpoint override."""
    scheduler_endpoint_url: str | None = None
    """EventBridge Scheduler endpoint override."""

    @classmethod
    def from_props(cls, props: dict[str, Any]) -> Connection:
        """The connection recorded in a resource's inputs or state."""
        endpoint = props.get("endpoint_url") or None
        # State written before S3 had its own setting used the one endpoint for both.
        s3_endpoint = props.get("s3_endpoint_url", endpoint)
        return cls(
            region=props["region"],
            profile=props.get("profile") or None,
            endpoint_url=endpoint,
            s3_endpoint_url=s3_endpoint or None,
            scheduler_endpoint_url=props.get("scheduler_endpoint_url") or None,
        )

    def client(self, service: str) -> Any:
        """The process's boto3 client for `service` here (boto3 clients are thread-safe);
        Rekognition calls spend the account's API budget."""
        key = (self, service)
        with _CLIENTS_LOCK:
            if key not in _CLIENTS:
                _CLIENTS[key] = self._new_client(service)
            return _CLIENTS[key]

    def _new_client(self, service: str) -> Any:
        import boto3
        from botocore.config import Config

        session = boto3.session.Session(profile_name=self.profile, region_name=self.region)
        client = session.client(
            service,
            endpoint_url=self._endpoint(service),
            config=Config(
                retries={"mode": "standard", "max_attempts": MAX_ATTEMPTS},
                user_agent_extra=f"rcl-resources/{__version__}",
            ),
        )
        if service == "rekognition":
            budget = budget_for(self)
            client.meta.events.register(
                "before-call.rekognition", lambda model, **_: budget.spend(model.name)
            )
            _leave_quota_errors_to_the_caller(client)
        return client

    def _endpoint(self, service: str) -> str | None:
        return getattr(self, _OVERRIDE_OF.get(service, "endpoint_url"))

    def rekognition(self) -> Any:
        """A Rekognition client."""
        return self.client("rekognition")

    def s3(self) -> Any:
        """An S3 client."""
        return self.client("s3")

    def scheduler(self) -> Any:
        """An EventBridge Scheduler client."""
        return self.client("scheduler")


_CLIENTS: dict[tuple[Connection, str], Any] = {}
_CLIENTS_LOCK = threading.Lock()


def _leave_quota_errors_to_the_caller(client: Any) -> None:
    """botocore's standard retries, except for quota errors, which reach the caller at once."""
    from botocore.retries import standard

    event = f"needs-retry.{client.meta.service_model.service_id.hyphenize()}"
    unique_id = f"retry-config-{client.meta.service_model.service_id.hyphenize()}"
    client.meta.events.unregister(event, unique_id=unique_id)
    handler = standard.register_retry_handler(client, max_attempts=MAX_ATTEMPTS)
    client.meta.events.unregister(event, unique_id=unique_id)

    def needs_retry(response: Any = None, **kwargs: Any) -> Any:
        parsed = response[1] if response else None
        if parsed and parsed.get("Error", {}).get("Code") in QUOTA_ERRORS:
            return None
        return handler.needs_retry(response=response, **kwargs)

    client.meta.events.register(event, needs_retry, unique_id=unique_id)


def program_connection(region: Any = None) -> dict[str, Any]:
    """Connection inputs as the Pulumi program sees them.

    Order: the resource's `region` → stack config `rcl:region`/`rcl:profile`/`rcl:endpointUrl`/
    `rcl:s3EndpointUrl`/`rcl:schedulerEndpointUrl` → `aws:region`/`aws:profile` → (in the
    provider) the boto3 default chain.
    """
    import pulumi

    rcl = pulumi.Config("rcl")
    aws = pulumi.Config("aws")
    return {
        "region": region or rcl.get("region") or aws.get("region"),
        "profile": rcl.get("profile") or aws.get("profile"),
        "endpoint_url": rcl.get("endpointUrl"),
        "s3_endpoint_url": rcl.get("s3EndpointUrl"),
        "scheduler_endpoint_url": rcl.get("schedulerEndpointUrl"),
    }


def default_region(profile: str | None) -> str | None:
    """The region of the AWS SDKs' default chain: AWS_REGION, AWS_DEFAULT_REGION, the profile.

    botocore itself reads only AWS_DEFAULT_REGION, so AWS_REGION is looked at here.
    """
    if os.environ.get("AWS_REGION"):
        return os.environ["AWS_REGION"]
    import boto3

    try:
        return boto3.session.Session(profile_name=profile).region_name
    except Exception:  # an unknown profile is reported by the call that needs it
        return os.environ.get("AWS_DEFAULT_REGION")


def default_endpoint(service: str = "rekognition") -> str | None:
    """An endpoint override of `service` from the environment (botocore's own variables),
    recorded so delete and refresh reuse it."""
    own = os.environ.get(f"AWS_ENDPOINT_URL_{service.upper()}")
    return own or os.environ.get("AWS_ENDPOINT_URL")


class ApiBudget:
    """The calls per second one account may make in one region, per operation: AWS allows 5
    TPS per control-plane operation, and the budget keeps one of them as headroom.

    A sliding window, shared by every resource one provider process polls: up to `per_second`
    calls of an operation go at once, and a further one waits only until the oldest of them is
    a second old. Independent resources are never spaced out while they stay below it."""

    def __init__(
        self,
        per_second: int = 4,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.per_second = per_second
        self._clock, self._sleep = clock, sleep
        self._recent: dict[str, deque[float]] = defaultdict(deque)
        self._lock = threading.Lock()

    def spend(self, operation: str) -> None:
        """Block until a call of `operation` fits the budget, and count it."""
        while True:
            with self._lock:
                now = self._clock()
                recent = self._recent[operation]
                while recent and recent[0] <= now - 1.0:
                    recent.popleft()
                if len(recent) < self.per_second:
                    recent.append(now)
                    return
                wait = recent[0] + 1.0 - now
            self._sleep(wait)


_BUDGETS: dict[tuple[str | None, str, str | None], ApiBudget] = {}
_BUDGETS_LOCK = threading.Lock()


def budget_for(connection: Connection) -> ApiBudget:
    """The process-wide budget of one account (profile) in one region at one endpoint."""
    key = (connection.endpoint_url, connection.region, connection.profile)
    with _BUDGETS_LOCK:
        if key not in _BUDGETS:
            _BUDGETS[key] = ApiBudget()
        return _BUDGETS[key]
