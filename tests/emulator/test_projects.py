"""Projects, tags, policies, validation and protocol-level behaviour."""

from __future__ import annotations

import json
import re
import urllib.request

import pytest
from botocore.exceptions import ClientError
from emulator_support import create_project, make_client, project_status, wait_for


def code(e: pytest.ExceptionInfo[ClientError]) -> str:
    return e.value.response["Error"]["Code"]


def test_project_lifecycle_and_arn_format(rek):
    arn = rek.create_project(ProjectName="cats")["ProjectArn"]
    m = re.fullmatch(r"arn:aws:rekognition:us-east-1:123456789012:project/cats/(\d{13})", arn)
    assert m
    desc = wait_for(
        lambda: rek.describe_projects(ProjectNames=["cats"])["ProjectDescriptions"],
        lambda d: d[0]["Status"] == "CREATED",
    )[0]
    assert desc["ProjectArn"] == arn
    assert int(desc["CreationTimestamp"].timestamp() * 1000) == int(m.group(1))
    assert desc["Datasets"] == []
    assert rek.delete_project(ProjectArn=arn)["Status"] == "DELETING"
    wait_for(lambda: project_status(rek, "cats"), lambda s: s is None)
    with pytest.raises(ClientError) as e:
        rek.delete_project(ProjectArn=arn)
    assert code(e) == "ResourceNotFoundException"


def test_duplicate_project_name_is_in_use(rek):
    create_project(rek, "dup")
    with pytest.raises(ClientError) as e:
        rek.create_project(ProjectName="dup")
    assert code(e) == "ResourceInUseException"
    assert e.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400


def test_describe_projects_filters(rek):
    create_project(rek, "cl")
    create_project(rek, "mod", Feature="CONTENT_MODERATION", AutoUpdate="ENABLED")
    names = [d["ProjectArn"].split("/")[1] for d in rek.describe_projects()["ProjectDescriptions"]]
    assert names == ["cl"]
    both = rek.describe_projects(Features=["CUSTOM_LABELS", "CONTENT_MODERATION"])
    by_name = {d["ProjectArn"].split("/")[1]: d for d in both["ProjectDescriptions"]}
    assert set(by_name) == {"cl", "mod"}
    assert by_name["mod"]["Feature"] == "CONTENT_MODERATION"
    assert by_name["mod"]["AutoUpdate"] == "ENABLED"
    assert "Feature" not in by_name["cl"]
    assert rek.describe_projects(ProjectNames=["nope"])["ProjectDescriptions"] == []


def test_content_moderation_needs_auto_update(rek):
    # AutoUpdate is "Required argument for Content Moderation".
    with pytest.raises(ClientError) as e:
        rek.create_project(ProjectName="mod-no-auto", Feature="CONTENT_MODERATION")
    assert code(e) == "InvalidParameterException"
    with pytest.raises(ClientError) as e:
        rek.create_project(ProjectName="cl-auto", AutoUpdate="ENABLED")
    assert code(e) == "InvalidParameterException"
    listed = rek.describe_projects(Features=["CUSTOM_LABELS", "CONTENT_MODERATION"])
    assert listed["ProjectDescriptions"] == []
    create_project(rek, "mod-off", Feature="CONTENT_MODERATION", AutoUpdate="DISABLED")
    (mod,) = rek.describe_projects(Features=["CONTENT_MODERATION"])["ProjectDescriptions"]
    assert mod["Feature"] == "CONTENT_MODERATION" and "AutoUpdate" not in mod


def test_describe_projects_pagination(rek):
    for i in range(5):
        rek.create_project(ProjectName=f"p{i}")
    seen, token, pages = [], None, 0
    while True:
        kw = {"MaxResults": 2, **({"NextToken": token} if token else {})}
        out = rek.describe_projects(**kw)
        seen += [d["ProjectArn"].split("/")[1] for d in out["ProjectDescriptions"]]
        pages += 1
        token = out.get("NextToken")
        if not token:
            break
    assert seen == [f"p{i}" for i in range(5)]
    assert pages == 3
    paginated = rek.get_paginator("describe_projects").paginate(PaginationConfig={"PageSize": 2})
    assert sum(len(p["ProjectDescriptions"]) for p in paginated) == 5
    with pytest.raises(ClientError) as e:
        rek.describe_projects(NextToken="garbage")
    assert code(e) == "InvalidPaginationTokenException"


def test_delete_project_with_datasets_is_in_use(rek):
    arn = create_project(rek, "withds")
    rek.create_dataset(ProjectArn=arn, DatasetType="TRAIN")
    with pytest.raises(ClientError) as e:
        rek.delete_project(ProjectArn=arn)
    assert code(e) == "ResourceInUseException"


def test_server_side_validation(emulator, rek):
    raw = make_client(emulator.url, "rekognition", parameter_validation=False)
    with pytest.raises(ClientError) as e:
        raw.create_project(ProjectName="bad name!")
    assert code(e) == "InvalidParameterException"
    with pytest.raises(ClientError) as e:
        raw.create_project(ProjectName="x", Feature="NOPE")
    assert code(e) == "InvalidParameterException"
    with pytest.raises(ClientError) as e:
        raw.describe_projects(MaxResults=1000)
    assert code(e) == "ValidationException"
    with pytest.raises(ClientError) as e:
        raw.create_project()
    assert code(e) == "InvalidParameterException"


def test_unknown_operation_and_error_headers(emulator):
    req = urllib.request.Request(
        emulator.url + "/",
        data=b"{}",
        method="POST",
        headers={
            "X-Amz-Target": "RekognitionService.NoSuchThing",
            "Content-Type": "application/x-amz-json-1.1",
        },
    )
    with pytest.raises(urllib.error.HTTPError) as e:
        urllib.request.urlopen(req)
    assert e.value.code == 400
    assert e.value.headers["x-amzn-ErrorType"] == "UnknownOperationException"
    assert json.loads(e.value.read())["__type"] == "UnknownOperationException"
    bad = urllib.request.Request(
        emulator.url + "/",
        data=b"{not json",
        method="POST",
        headers={"X-Amz-Target": "RekognitionService.DescribeProjects"},
    )
    with pytest.raises(urllib.error.HTTPError) as e:
        urllib.request.urlopen(bad)
    assert e.value.code == 400


def test_regions_are_separate(emulator, rek):
    create_project(rek, "east")
    west = make_client(emulator.url, "rekognition", region="us-west-2")
    assert west.describe_projects()["ProjectDescriptions"] == []
    arn = west.create_project(ProjectName="east")["ProjectArn"]
    assert ":us-west-2:" in arn


def test_tags_on_projects_and_datasets(rek):
    arn = create_project(rek, "tagged", Tags={"team": "vision"})
    assert rek.list_tags_for_resource(ResourceArn=arn)["Tags"] == {"team": "vision"}
    rek.tag_resource(ResourceArn=arn, Tags={"env": "dev"})
    rek.untag_resource(ResourceArn=arn, TagKeys=["team"])
    assert rek.list_tags_for_resource(ResourceArn=arn)["Tags"] == {"env": "dev"}
    ds = rek.create_dataset(ProjectArn=arn, DatasetType="TEST", Tags={"k": "v"})["DatasetArn"]
    assert rek.list_tags_for_resource(ResourceArn=ds)["Tags"] == {"k": "v"}
    with pytest.raises(ClientError) as e:
        rek.tag_resource(ResourceArn=arn, Tags={"aws:reserved": "x"})
    assert code(e) == "InvalidParameterException"
    # Keys and values: [\p{L}\p{Z}\p{N}_.:/=+\-@]* (letters, separators, numbers, a few marks).
    for bad in ({"bad#key!": "1"}, {"ok": "no;semicolon"}, {"tab\tkey": "1"}):
        with pytest.raises(ClientError) as e:
            rek.tag_resource(ResourceArn=arn, Tags=bad)
        assert code(e) == "InvalidParameterException", bad
        with pytest.raises(ClientError) as e:
            rek.create_project(ProjectName="badtags", Tags=bad)
        assert code(e) == "InvalidParameterException", bad
    unicode_tags = {"équipe 名前": "vision-٣ a_b.c:d/e=f+g@h", "n²": ""}
    rek.tag_resource(ResourceArn=arn, Tags=unicode_tags)
    assert rek.list_tags_for_resource(ResourceArn=arn)["Tags"] == {"env": "dev", **unicode_tags}
    with pytest.raises(ClientError) as e:
        rek.list_tags_for_resource(ResourceArn=arn.replace("tagged", "missing"))
    assert code(e) == "ResourceNotFoundException"


POLICY = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"AWS": "arn:aws:iam::111122223333:root"},
                "Action": "rekognition:CopyProjectVersion",
                "Resource": "*",
            }
        ],
    }
)


def test_project_policies(rek):
    arn = create_project(rek, "pol")
    rev = rek.put_project_policy(ProjectArn=arn, PolicyName="share", PolicyDocument=POLICY)[
        "PolicyRevisionId"
    ]
    assert re.fullmatch(r"[0-9a-f]{32}", rev)
    with pytest.raises(ClientError) as e:
        rek.put_project_policy(
            ProjectArn=arn, PolicyName="share", PolicyDocument=POLICY, PolicyRevisionId="0" * 32
        )
    assert code(e) == "InvalidPolicyRevisionIdException"
    with pytest.raises(ClientError) as e:
        rek.put_project_policy(ProjectArn=arn, PolicyName="share", PolicyDocument=POLICY)
    assert code(e) == "ResourceAlreadyExistsException"
    rev2 = rek.put_project_policy(
        ProjectArn=arn, PolicyName="share", PolicyDocument=POLICY, PolicyRevisionId=rev
    )["PolicyRevisionId"]
    assert rev2 != rev
    listed = rek.list_project_policies(ProjectArn=arn)["ProjectPolicies"]
    assert [(p["PolicyName"], p["PolicyRevisionId"]) for p in listed] == [("share", rev2)]
    with pytest.raises(ClientError) as e:
        rek.put_project_policy(ProjectArn=arn, PolicyName="bad", PolicyDocument="{nope")
    assert code(e) == "MalformedPolicyDocumentException"
    for i in range(4):
        rek.put_project_policy(ProjectArn=arn, PolicyName=f"p{i}", PolicyDocument=POLICY)
    with pytest.raises(ClientError) as e:
        rek.put_project_policy(ProjectArn=arn, PolicyName="sixth", PolicyDocument=POLICY)
    assert code(e) == "LimitExceededException"
    with pytest.raises(ClientError) as e:
        rek.delete_project_policy(ProjectArn=arn, PolicyName="share", PolicyRevisionId=rev)
    assert code(e) == "InvalidPolicyRevisionIdException"
    rek.delete_project_policy(ProjectArn=arn, PolicyName="share")
    with pytest.raises(ClientError) as e:
        rek.delete_project_policy(ProjectArn=arn, PolicyName="share")
    assert code(e) == "ResourceNotFoundException"


def test_request_log_and_faults(emulator, rek, control):
    control.reset_requests()
    rek.describe_projects()
    with pytest.raises(ClientError):
        rek.delete_project(ProjectArn="arn:aws:rekognition:us-east-1:123456789012:project/x/1")
    log = control.requests_log()
    assert [(r["operation"], r["status"], r["error"]) for r in log] == [
        ("DescribeProjects", 200, None),
        ("DeleteProject", 400, "ResourceNotFoundException"),
    ]
    control.set_faults(throttle_rate=1.0)
    with pytest.raises(ClientError) as e:
        rek.describe_projects()
    assert code(e) == "ThrottlingException"
    assert e.value.response["ResponseMetadata"]["HTTPStatusCode"] == 500  # as the API reference
    for mode in ("standard", "legacy"):
        retrying = make_client(
            emulator.url, "rekognition", retries={"mode": mode, "total_max_attempts": 3}
        )
        control.reset_requests()
        with pytest.raises(ClientError) as e:
            retrying.describe_projects()
        assert code(e) == "ThrottlingException"
        # botocore retried the throttled call in both retry modes.
        assert [(r["status"], r["error"]) for r in control.requests_log()] == [
            (500, "ThrottlingException")
        ] * 3, mode
    control.set_faults(error_rate=1.0)
    with pytest.raises(ClientError) as e:
        rek.describe_projects()
    assert code(e) == "InternalServerError"
    assert e.value.response["ResponseMetadata"]["HTTPStatusCode"] == 500
    control.clear_faults()
    control.set_faults(lose_next_response="CreateProject")
    with pytest.raises(ClientError) as e:
        rek.create_project(ProjectName="lost")
    assert code(e) == "InternalServerError"
    # The change happened even though the caller saw an error.
    assert project_status(rek, "lost") in ("CREATING", "CREATED")
    rek.create_project(ProjectName="found")  # only the next response is lost
    assert control.health() == {"ok": True}


def test_concurrent_clients(emulator, rek, control):
    from concurrent.futures import ThreadPoolExecutor

    def worker(n: int) -> list[str]:
        client = make_client(emulator.url, "rekognition")
        arns = [client.create_project(ProjectName=f"c{n}-{i}")["ProjectArn"] for i in range(5)]
        client.describe_projects()
        return arns

    control.reset_requests()
    with ThreadPoolExecutor(8) as pool:
        arns = [a for part in pool.map(worker, range(8)) for a in part]
    assert len(set(arns)) == 40
    listed = rek.get_paginator("describe_projects").paginate()
    assert sum(len(p["ProjectDescriptions"]) for p in listed) == 40
    assert all(r["status"] == 200 for r in control.requests_log())
