"""DemoBucket: the S3 bucket the demo stack uses on the local emulator.

On real AWS the stack uses a bucket you already have (`rcl:bucket`); pulumi_aws is the tool
for managing buckets there (see examples/with-pulumi-aws)."""

from __future__ import annotations

from typing import Any

import pulumi
from pulumi.dynamic import CreateResult, ReadResult, Resource

from rcl_resources._aws import Connection, program_connection
from rcl_resources.errors import is_code


class _DemoBucketProvider(pulumi.dynamic.ResourceProvider):
    def create(self, props: dict[str, Any]) -> CreateResult:
        s3 = Connection.from_props(props).s3()
        try:
            s3.create_bucket(Bucket=props["bucket"])
        except Exception as err:
            if not is_code(err, "BucketAlreadyOwnedByYou"):
                raise
        return CreateResult(props["bucket"], props)

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        try:
            Connection.from_props(props).s3().head_bucket(Bucket=id_)
        except Exception as err:
            if is_code(err, "404", "NoSuchBucket", "NotFound"):
                return ReadResult(None, {})
            raise
        return ReadResult(id_, props)

    def delete(self, id_: str, props: dict[str, Any]) -> None:
        s3 = Connection.from_props(props).s3()
        try:
            for page in s3.get_paginator("list_objects_v2").paginate(Bucket=id_):
                keys = [{"Key": o["Key"]} for o in page.get("Contents") or []]
                if keys:
                    s3.delete_objects(Bucket=id_, Delete={"Objects": keys})
            s3.delete_bucket(Bucket=id_)
        except Exception as err:
            if not is_code(err, "NoSuchBucket"):
                raise


class DemoBucket(Resource, module="rcldemo", name="DemoBucket"):
    """An S3 bucket emptied and deleted on destroy."""

    bucket: pulumi.Output[str]

    def __init__(self, name: str, bucket: str, opts: pulumi.ResourceOptions | None = None):
        conn = program_connection()
        super().__init__(_DemoBucketProvider(), name, {**conn, "bucket": bucket}, opts)
