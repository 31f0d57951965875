"""Connection settings and boto3 clients.

Clients are built per call and never stored on provider objects: the provider is pickled into
the stack state, and boto3 clients cannot be pickled.
"""

from __future__ import annotations

import os
import threading
import time
from dataclasses import dataclass
from typing import Any

import boto3
from botocore.config import Config
from botocore.retries import standard

from . import __version__

# botocore's standard mode retries throttling and 5xx with jittered exponential backoff.
MAX_ATTEMPTS = 10
_RETRIES = {"mode": "standard", "max_attempts": MAX_ATTEMPTS}
# Standard mode counts LimitExceededException as throttling. For Rekognition it means a quota
# (concurrent trainings, running models, inference units, projects): waiting for a slot, or
# failing at once on a lasting quota, is the provider's decision, not a random backoff's.
QUOTA_ERRORS = frozenset({"LimitExceededException", "ServiceQuotaExceededException"})


@dataclass(frozen=True)
class Connection:
    """Where and as whom to call AWS. Credentials come from the profile or the default chain."""

    region: str
    profile: str | None = None
    endpoint_url: str | None = None
    """Rekognition endpoint override."""
    s3_endpoint_url: str | None = None
    """S3 endpoint override."""

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
        )

    def client(self, service: str) -> Any:
        """A new boto3 client for `service`; Rekognition calls pass the shared rate limiter."""
        session = boto3.session.Session(profile_name=self.profile, region_name=self.region)
        client = session.client(
            service,
            endpoint_url=self.s3_endpoint_url if service == "s3" else self.endpoint_url,
            config=Config(retries=_RETRIES, user_agent_extra=f"rcl-resources/{__version__}"),
        )
        if service == "rekognition":
            client.meta.events.register("before-call.rekognition", self._throttle)
            _leave_quota_errors_to_the_caller(client)
        return client

    def _throttle(self, model: Any, **_: Any) -> None:
        limiter_for(self.endpoint_url, self.region, model.name).acquire()

    def rekognition(self) -> Any:
        """A Rekognition client."""
        return self.client("rekognition")

    def s3(self) -> Any:
        """An S3 client."""
        return self.client("s3")


def _leave_quota_errors_to_the_caller(client: Any) -> None:
    """botocore's standard retries, except for quota errors, which reach the caller at once."""
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
    `rcl:s3EndpointUrl` → `aws:region`/`aws:profile` → (in the provider) the boto3 default chain.
    """
    import pulumi

    rcl = pulumi.Config("rcl")
    aws = pulumi.Config("aws")
    return {
        "region": region or rcl.get("region") or aws.get("region"),
        "profile": rcl.get("profile") or aws.get("profile"),
        "endpoint_url": rcl.get("endpointUrl"),
        "s3_endpoint_url": rcl.get("s3EndpointUrl"),
    }


def default_region(profile: str | None) -> str | None:
    """The region of the AWS SDKs' default chain: AWS_REGION, AWS_DEFAULT_REGION, the profile.

    botocore itself reads only AWS_DEFAULT_REGION, so AWS_REGION is looked at here.
    """
    if os.environ.get("AWS_REGION"):
        return os.environ["AWS_REGION"]
    try:
        return boto3.session.Session(profile_name=profile).region_name
    except Exception:  # an unknown profile is reported by the call that needs it
        return os.environ.get("AWS_DEFAULT_REGION")


def default_endpoint(service: str = "rekognition") -> str | None:
    """An endpoint override of `service` from the environment (botocore's own variables),
    recorded so delete and refresh reuse it."""
    own = os.environ.get(f"AWS_ENDPOINT_URL_{service.upper()}")
    return own or os.environ.get("AWS_ENDPOINT_URL")


class RateLimiter:
    """A token bucket. One `pulumi up` runs one provider process that polls many resources at
    once; its calls queue here instead of being throttled by AWS."""

    def __init__(self, rate: float, burst: int) -> None:
        self.rate = rate
        self.burst = burst
        self._tokens = float(burst)
        self._stamp = time.monotonic()
        self._lock = threading.Lock()

    def acquire(self) -> None:
        """Block until a call may be made."""
        while True:
            with self._lock:
                now = time.monotonic()
                self._tokens = min(self.burst, self._tokens + (now - self._stamp) * self.rate)
                self._stamp = now
                if self._tokens >= 1:
                    self._tokens -= 1
                    return
                wait = (1 - self._tokens) / self.rate
            time.sleep(wait)


# AWS allows 5 TPS per control-plane operation: at most 2 + 3 calls of one operation fall in
# any one-second window.
_LIMITERS: dict[tuple[str | None, str, str], RateLimiter] = {}
_LIMITERS_LOCK = threading.Lock()


def limiter_for(endpoint: str | None, region: str, operation: str) -> RateLimiter:
    """The process-wide rate limiter of one operation at one endpoint and region."""
    with _LIMITERS_LOCK:
        key = (endpoint, region, operation)
        if key not in _LIMITERS:
            _LIMITERS[key] = RateLimiter(rate=3.0, burst=2)
        return _LIMITERS[key]
