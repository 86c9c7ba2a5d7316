#!/usr/bin/env python3
"""The emulator's built-in Python runtime: a client of AWS Lambda's Runtime API
in Python's standard library, started as `python3 bootstrap.py` for every
function folder holding *.py files and no bootstrap.

The handler is named by _HANDLER as module.function (default handler.handle),
looked up in LAMBDA_TASK_ROOT (default: the working directory). It is called
with (event, context) and returns an API Gateway 2.0 response dict, or any
other JSON value. Exceptions it raises are reported to
/invocation/{id}/error and logged with their traceback, as Lambda logs them;
a handler that cannot be loaded is reported to /init/error (and logged) and
the runtime exits with status 1.
"""
import http.client
import importlib
import json
import os
import sys
import time

API = "/2018-06-01/runtime"


class Context:
    """What the handler knows about its invocation, as in Lambda's Python runtime."""

    def __init__(self, headers):
        self.aws_request_id = headers.get("Lambda-Runtime-Aws-Request-Id", "")
        self.invoked_function_arn = headers.get("Lambda-Runtime-Invoked-Function-Arn", "")
        self.deadline_ms = int(headers.get("Lambda-Runtime-Deadline-Ms") or 0)
        self.function_name = os.environ.get("AWS_LAMBDA_FUNCTION_NAME", "")
        self.function_version = os.environ.get("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
        self.memory_limit_in_mb = os.environ.get("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "128")
        self.log_stream_name = os.environ.get("AWS_LAMBDA_LOG_STREAM_NAME", "")

    def get_remaining_time_in_millis(self):
        return max(0, self.deadline_ms - int(time.time() * 1000))


class RuntimeAPI:
    """The Runtime API calls, over one keep-alive HTTP/1.1 connection."""

    def __init__(self, endpoint):
        self.connection = http.client.HTTPConnection(endpoint, timeout=None)

    def call(self, method, path, body=None, headers=None):
        self.connection.request(method, API + path, body=body, headers=headers or {})
        response = self.connection.getresponse()
        payload = response.read()
        if response.status >= 500:
            raise RuntimeError(f"{path}: {response.status} {payload.decode(errors='replace')}")
        if response.status >= 400:
            print(f"Runtime API answered {path} with {response.status}", file=sys.stderr, flush=True)
        return response, payload

    def post_json(self, path, value, error_type=None):
        headers = {"Content-Type": "application/json"}
        if error_type:
            headers["Lambda-Runtime-Function-Error-Type"] = error_type
        self.call("POST", path, json.dumps(value).encode(), headers)


def error_report(error):
    import traceback  # only on the error path: keeps it out of the cold start

    report = {
        "errorMessage": str(error),
        "errorType": type(error).__name__,
        "stackTrace": traceback.format_tb(error.__traceback__),
    }
    # A database error's SQLSTATE (psycopg: sqlstate, psycopg2: pgcode), which the host reads to name the cause.
    code = getattr(error, "sqlstate", None) or getattr(error, "pgcode", None)
    if isinstance(code, str):
        report["code"] = code
    return report


def log_error(error, report):
    """`[ERROR] Type: message` and the traceback, on stderr, as Lambda's Python runtime logs them."""
    import traceback

    lines = [f"[ERROR] {report['errorType']}: {report['errorMessage']}"]
    lines += "".join(traceback.format_exception(type(error), error, error.__traceback__)).rstrip("\n").split("\n")
    print("\n".join(lines), file=sys.stderr, flush=True)


def load_handler(name):
    module_name, _, function_name = name.rpartition(".")
    if not module_name:
        raise ValueError(f"_HANDLER must be module.function, got '{name}'")
    return getattr(importlib.import_module(module_name), function_name)


def main():
    sys.stdout.reconfigure(line_buffering=True)  # a handler's print reaches the host line by line
    endpoint = os.environ.get("AWS_LAMBDA_RUNTIME_API")
    if not endpoint:
        print("AWS_LAMBDA_RUNTIME_API is not set: this bootstrap is started by a Lambda runtime host.", file=sys.stderr)
        return 1
    sys.path.insert(0, os.environ.get("LAMBDA_TASK_ROOT") or os.getcwd())
    api = RuntimeAPI(endpoint)
    try:
        handler = load_handler(os.environ.get("_HANDLER") or "handler.handle")
    except Exception as error:
        report = error_report(error)
        log_error(error, report)
        api.post_json("/init/error", report, type(error).__name__)
        return 1

    while True:
        response, payload = api.call("GET", "/invocation/next")
        request_id = response.getheader("Lambda-Runtime-Aws-Request-Id")
        trace_id = response.getheader("Lambda-Runtime-Trace-Id")
        if trace_id:
            os.environ["_X_AMZN_TRACE_ID"] = trace_id
        else:
            os.environ.pop("_X_AMZN_TRACE_ID", None)
        try:
            result = handler(json.loads(payload or b"null"), Context(response.headers))
            body = json.dumps(result).encode()
        except Exception as error:
            report = error_report(error)
            log_error(error, report)
            api.post_json(f"/invocation/{request_id}/error", report, type(error).__name__)
            continue
        api.call("POST", f"/invocation/{request_id}/response", body, {"Content-Type": "application/json"})


if __name__ == "__main__":
    sys.exit(main())
