"""An embedded AWS for running the real rendered state machine and the real export Lambda.

moto 5 interprets Step Functions. This module closes the gaps between moto and AWS that would
otherwise make tests prove the wrong behaviour (each one is documented where it is patched):

* aws-sdk error names: moto names QuickSight errors ``quicksight.*``; AWS says ``QuickSight.*``.
* QuickSight validates ``UserName`` against ``[\\u0020-\\u00FF]+`` (InvalidParameterValueException);
  moto does not.
* QuickSight ``DeleteUser`` of a missing user raises ResourceNotFoundException; moto succeeds.
* Lambda invoke needs Docker in moto: the real handler runs in-process instead.
* Retry and Wait states really sleep: they are recorded and scaled by ``time_scale``
  (0, the default, means no real sleep at all).

It also injects faults (throttling, transient errors, overridden responses) into any AWS call
the state machine makes, and records which ASL states were entered.
"""

from __future__ import annotations

import contextlib
import functools
import json
import os
import random
import re
import threading
import time
import traceback
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import boto3
from botocore.exceptions import ClientError
from moto import mock_aws

from . import config, render

_QS_NAME = re.compile(r"^[\u0020-\u00FF]+$")

#: State names entered by any execution in this process (for the coverage report).
ENTERED_STATES: Counter[str] = Counter()


@dataclass
class Fault:
    """Make calls to ``service.operation`` fail with ``code`` (or be rewritten by ``transform``).

    ``first``: only the first N matching calls; ``rate``: each call with this probability.
    """

    service: str
    operation: str
    code: str = ""
    first: int | None = None
    rate: float | None = None
    message: str = "injected by the test harness"
    transform: Callable[[dict[str, Any]], dict[str, Any]] | None = None
    status: int = 400
    seen: int = 0
    fired: int = 0

    def matches(self, service: str, operation: str) -> bool:
        return self.service == service and self.operation in (operation, "*")


@dataclass
class FaultPlan:
    faults: list[Fault] = field(default_factory=list)
    seed: int = 0
    calls: Counter[str] = field(default_factory=Counter)

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        self._random = random.Random(self.seed)

    def add(self, *faults: Fault) -> FaultPlan:
        self.faults.extend(faults)
        return self

    def decide(self, service: str, operation: str) -> tuple[Fault | None, list[Fault]]:
        """The error fault to raise now (if any) and the transforms to apply to the response."""
        with self._lock:
            self.calls[f"{service}.{operation}"] += 1
            raise_fault, transforms = None, []
            for f in self.faults:
                if not f.matches(service, operation):
                    continue
                f.seen += 1
                fire = (f.first is not None and f.seen <= f.first) or (
                    f.rate is not None and self._random.random() < f.rate
                )
                if not fire:
                    continue
                if f.transform is not None:
                    f.fired += 1
                    transforms.append(f)
                elif raise_fault is None:
                    f.fired += 1
                    raise_fault = f
            return raise_fault, transforms


def _client_error(client: Any, fault: Fault, operation: str) -> ClientError:
    response = {
        "Error": {"Code": fault.code, "Message": fault.message},
        "ResponseMetadata": {"HTTPStatusCode": fault.status, "RequestId": str(uuid.uuid4())},
    }
    return client.exceptions.from_code(fault.code)(response, operation)


class _FaultyClient:
    """A boto3 client whose calls go through the active :class:`FaultPlan`."""

    def __init__(self, client: Any, service: str, plan: FaultPlan) -> None:
        self._client, self._service, self._plan = client, service, plan

    def __getattr__(self, name: str) -> Any:
        attr = getattr(self._client, name)
        if name.startswith("_") or not callable(attr) or name in ("can_paginate", "get_paginator", "get_waiter"):
            return attr

        def call(*args: Any, **kwargs: Any) -> Any:
            fault, transforms = self._plan.decide(self._service, name)
            if fault is not None:
                raise _client_error(self._client, fault, name)
            response = attr(*args, **kwargs)
            for t in transforms:
                response = t.transform(response)  # type: ignore[misc]
            return response

        return call


@dataclass
class Execution:
    """What a user of the console would see of one execution, plus the files it wrote."""

    arn: str
    name: str
    status: str
    output: dict[str, Any] | None
    error: str | None
    cause: str | None
    report: list[dict[str, str]] | None
    summary: dict[str, Any] | None

    def statuses(self) -> list[str]:
        return [r["status"] for r in self.report or []]


class EmbeddedAws:
    """Context manager: moto with the patches above, plus helpers to deploy and run."""

    def __init__(
        self,
        *,
        region: str = config.REGION,
        account_id: str = config.ACCOUNT_ID,
        time_scale: float = 0.0,
        name: str = "quicksight-deprovision",
        bucket_name: str = "quicksight-deprovision-local",
    ) -> None:
        self.region, self.account_id, self.time_scale = region, account_id, time_scale
        self.name, self.bucket = name, bucket_name
        self.plan = FaultPlan()
        self.retry_waits: list[float] = []
        self.waits: list[float] = []
        self.lambda_calls: list[dict[str, Any]] = []
        self.lambda_failure: Callable[[dict[str, Any]], Exception | None] | None = None
        self._stack = contextlib.ExitStack()
        self._qs_lock = threading.Lock()
        self.state_machine_arn: str | None = None
        self.values: dict[str, Any] = {}

    # ---------------------------------------------------------------- lifecycle
    def __enter__(self) -> EmbeddedAws:
        for var, value in {
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
            "AWS_SESSION_TOKEN": "testing",
            "AWS_DEFAULT_REGION": self.region,
            "MOTO_ACCOUNT_ID": self.account_id,
        }.items():
            self._stack.enter_context(_env(var, value))
        self._stack.enter_context(mock_aws(config={"stepfunctions": {"execute_state_machine": True}}))
        self._patch_error_names()
        self._patch_clients()
        self._patch_jsonpath_cache()
        self._patch_quicksight()
        self._patch_lambda()
        self._patch_retry_sleep()
        self._patch_state_tracking()
        self.s3 = boto3.client("s3", region_name=self.region)
        self.sfn = boto3.client("stepfunctions", region_name=self.region)
        self.qs = boto3.client("quicksight", region_name=self.region)
        self.ddb = boto3.client("dynamodb", region_name=self.region)
        self.s3.create_bucket(Bucket=self.bucket)
        return self

    def __exit__(self, *exc: Any) -> None:
        self._stack.close()

    def _setattr(self, obj: Any, name: str, value: Any) -> None:
        old = getattr(obj, name)
        setattr(obj, name, value)
        self._stack.callback(setattr, obj, name, old)

    # ---------------------------------------------------------------- patches
    def _patch_error_names(self) -> None:
        # AWS names aws-sdk errors after the service's SDK id: QuickSight.ResourceNotFoundException.
        from moto.stepfunctions.parser.asl.component.state.exec.state_task.service import (
            state_task_service_aws_sdk as aws_sdk,
        )

        names = aws_sdk._SERVICE_ERROR_NAMES
        added = {k: v for k, v in {"quicksight": "QuickSight", "s3": "S3"}.items() if k not in names}
        names.update(added)
        self._stack.callback(lambda: [names.pop(k, None) for k in added])

    def _patch_clients(self) -> None:
        import moto.stepfunctions.parser.asl.utils.boto_client as boto_client_module
        from moto.stepfunctions.parser.asl.component.state.exec.state_map.item_reader.eval import (
            resource_eval_s3,
        )
        from moto.stepfunctions.parser.asl.component.state.exec.state_task import lambda_eval_utils
        from moto.stepfunctions.parser.asl.component.state.exec.state_task.service import (
            state_task_service_aws_sdk,
            state_task_service_dynamodb,
            state_task_service_sns,
        )

        original = boto_client_module.boto_client_for
        plan = self.plan
        # moto builds a new boto3 client for every task (~20 ms each, and not thread-safe on the
        # default session): reuse one per (region, service) for the life of this context.
        clients: dict[tuple[str, str], Any] = {}
        clients_lock = threading.Lock()

        def faulty_boto_client_for(region: str, service: str, state_credentials: Any = None) -> Any:
            with clients_lock:
                client = clients.get((region, service))
                if client is None:
                    client = clients[(region, service)] = original(region, service, state_credentials)
            return _FaultyClient(client, service, plan)

        for module in (
            resource_eval_s3,
            lambda_eval_utils,
            state_task_service_aws_sdk,
            state_task_service_dynamodb,
            state_task_service_sns,
        ):
            self._setattr(module, "boto_client_for", faulty_boto_client_for)

    def _patch_jsonpath_cache(self) -> None:
        # moto parses every JSONPath again on each use (a new PLY parser each time): cache the
        # parsed expressions, which are immutable. Same results, about 3x faster executions.
        import moto.stepfunctions.parser.asl.component.common.path.result_path as result_path
        import moto.stepfunctions.parser.asl.utils.json_path as json_path

        for module in (json_path, result_path):
            self._setattr(module, "parse", functools.lru_cache(maxsize=4096)(module.parse))

    def _patch_quicksight(self) -> None:
        from moto.quicksight import exceptions as qs_exc
        from moto.quicksight.models import QuickSightBackend

        describe, delete = QuickSightBackend.describe_user, QuickSightBackend.delete_user
        lock = self._qs_lock

        def validate(user_name: str) -> None:
            if not _QS_NAME.match(user_name):
                raise qs_exc.InvalidParameterValueException(
                    "1 validation error detected: Value at 'userName' failed to satisfy constraint: "
                    "Member must satisfy regular expression pattern: [\\u0020-\\u00FF]+"
                )

        def describe_user(backend: Any, aws_account_id: str, namespace: str, user_name: str) -> Any:
            validate(user_name)
            return describe(backend, aws_account_id, namespace, user_name)

        def delete_user(backend: Any, aws_account_id: str, namespace: str, user_name: str) -> None:
            validate(user_name)
            with lock:  # the check and the delete are one step, as in AWS
                describe(backend, aws_account_id, namespace, user_name)  # raises ResourceNotFound
                delete(backend, aws_account_id, namespace, user_name)

        self._setattr(QuickSightBackend, "describe_user", describe_user)
        self._setattr(QuickSightBackend, "delete_user", delete_user)

    def _patch_lambda(self) -> None:
        from moto.awslambda.models import LambdaBackend
        from quicksight_deprovision import handler as export_handler

        harness = self

        def invoke(
            backend: Any, function_name: str, qualifier: Any, body: Any, headers: Any, response_headers: dict[str, str]
        ) -> bytes:
            event = json.loads(body or "{}")
            harness.lambda_calls.append(event)
            try:
                injected = harness.lambda_failure(event) if harness.lambda_failure else None
                if injected is not None:
                    raise injected
                result = export_handler.handler(event, None)
                payload: Any = result
            except Exception as exc:  # what the Lambda runtime does with an unhandled error
                response_headers["x-amz-function-error"] = "Unhandled"
                payload = {
                    "errorMessage": str(exc),
                    "errorType": type(exc).__name__,
                    "stackTrace": traceback.format_exception(exc)[-3:],
                }
            data = json.dumps(payload).encode("utf-8")
            response_headers["Content-Length"] = str(len(data))
            return data

        self._setattr(LambdaBackend, "invoke", invoke)

    def _patch_retry_sleep(self) -> None:
        from moto.stepfunctions.parser.asl.component.common.retry import retrier_decl

        harness = self

        class _Time:
            def __getattr__(self, name: str) -> Any:
                return getattr(time, name)

            @staticmethod
            def sleep(seconds: float) -> None:
                harness.retry_waits.append(seconds)
                if harness.time_scale:
                    time.sleep(seconds * harness.time_scale)

        self._setattr(retrier_decl, "time", _Time())

        # Wait states: recorded in ``waits`` and scaled the same way.
        from moto.stepfunctions.parser.asl.component.state.wait.wait_function.wait_function import WaitFunction

        def wait_interval(function: Any, env: Any, wait_seconds: int) -> None:
            harness.waits.append(wait_seconds)
            if harness.time_scale and wait_seconds > 0:
                env.program_state_event.wait(wait_seconds * harness.time_scale)

        self._setattr(WaitFunction, "_wait_interval", wait_interval)

    def _patch_state_tracking(self) -> None:
        from moto.stepfunctions.parser.asl.component.state.state import CommonStateField

        original = CommonStateField._eval_body

        def eval_body(state: Any, env: Any) -> None:
            ENTERED_STATES[state.name] += 1
            return original(state, env)

        self._setattr(CommonStateField, "_eval_body", eval_body)

    # ---------------------------------------------------------------- helpers
    def deploy(self, **module_variables: Any) -> str:
        """Render the template with the module's defaults (overridable) and create the machine."""
        sns_topic_arn = module_variables.pop("sns_topic_arn", "")
        self.values = config.template_values(
            name=self.name,
            bucket_name=self.bucket,
            account_id=self.account_id,
            region=self.region,
            sns_topic_arn=sns_topic_arn,
            **module_variables,
        )
        definition = render.render(self.values)
        role = f"arn:aws:iam::{self.account_id}:role/{self.name}-sfn"
        self.state_machine_arn = self.sfn.create_state_machine(
            name=f"{self.name}-{uuid.uuid4().hex[:8]}", definition=json.dumps(definition), roleArn=role
        )["stateMachineArn"]
        return self.state_machine_arn

    def add_users(
        self, users: list[tuple[str, str, str]], namespace: str = "default", identity_type: str = "IAM"
    ) -> None:
        """Register ``(user_name, email, role)`` QuickSight users."""
        for user_name, email, role in users:
            self.qs.register_user(
                AwsAccountId=self.account_id,
                Namespace=namespace,
                IdentityType=identity_type,
                Email=email,
                UserRole=role,
                UserName=user_name,
            )

    def users(self, namespace: str = "default") -> dict[str, str]:
        """Remaining QuickSight users: name -> role."""
        out: dict[str, str] = {}
        kwargs: dict[str, Any] = {"AwsAccountId": self.account_id, "Namespace": namespace}
        while True:
            page = self.qs.list_users(**kwargs)
            out.update({u["UserName"]: u["Role"] for u in page["UserList"]})
            if not page.get("NextToken"):
                return out
            kwargs["NextToken"] = page["NextToken"]

    def put_csv(self, key: str, data: bytes | str) -> None:
        self.s3.put_object(Bucket=self.bucket, Key=key, Body=data.encode("utf-8") if isinstance(data, str) else data)

    def object_exists(self, key: str) -> bool:
        try:
            self.s3.head_object(Bucket=self.bucket, Key=key)
            return True
        except ClientError:
            return False

    def read_object(self, key: str) -> bytes:
        return self.s3.get_object(Bucket=self.bucket, Key=key)["Body"].read()

    def tables(self) -> list[str]:
        return self.ddb.list_tables()["TableNames"]

    def start(self, execution_input: dict[str, Any] | str, name: str | None = None) -> str:
        assert self.state_machine_arn, "deploy() first"
        body = execution_input if isinstance(execution_input, str) else json.dumps(execution_input)
        return self.sfn.start_execution(
            stateMachineArn=self.state_machine_arn, name=name or f"run-{uuid.uuid4().hex[:12]}", input=body
        )["executionArn"]

    def wait(
        self, arn: str, timeout: float = 300, poll: float = 0.05, on_poll: Callable[[str], None] | None = None
    ) -> Execution:
        deadline = time.monotonic() + timeout
        while True:
            d = self.sfn.describe_execution(executionArn=arn)
            if d["status"] != "RUNNING":
                break
            if time.monotonic() > deadline:
                raise TimeoutError(f"execution {arn} still RUNNING after {timeout}s")
            if on_poll:
                on_poll(arn)
            time.sleep(poll)
        name = d["name"]
        report_key = f"{config.REPORT_PREFIX}{name}/report.csv"
        summary_key = f"{config.REPORT_PREFIX}{name}/summary.json"
        from quicksight_deprovision.report import parse_report_csv

        report = parse_report_csv(self.read_object(report_key)) if self.object_exists(report_key) else None
        summary = json.loads(self.read_object(summary_key)) if self.object_exists(summary_key) else None
        return Execution(
            arn=arn,
            name=name,
            status=d["status"],
            output=json.loads(d["output"]) if d.get("output") else None,
            error=d.get("error"),
            cause=d.get("cause"),
            report=report,
            summary=summary,
        )

    def run(self, execution_input: dict[str, Any] | str, name: str | None = None, timeout: float = 300) -> Execution:
        return self.wait(self.start(execution_input, name), timeout=timeout)


@contextlib.contextmanager
def _env(name: str, value: str) -> Iterator[None]:
    old = os.environ.get(name)
    os.environ[name] = value
    try:
        yield
    finally:
        if old is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = old


__all__ = ["ENTERED_STATES", "EmbeddedAws", "Execution", "Fault", "FaultPlan"]
