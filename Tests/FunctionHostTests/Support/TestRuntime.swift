import Foundation

/// A custom runtime in Python (standard library only) whose behaviour is
/// picked by `_HANDLER`, so one bootstrap serves every misbehaviour the host
/// tests need: a real process speaking the real Runtime API.
enum TestRuntime {
    /// The interpreter line: the system Python where there is one, so that no
    /// wrapper (such as a pyenv shim) adds variables of its own to the environment.
    static let interpreter = FileManager.default.isExecutableFile(atPath: "/usr/bin/python3")
        ? "#!/usr/bin/python3" : "#!/usr/bin/env python3"

    static let bootstrap = interpreter + "\n" + body

    private static let body = #"""
import http.client, json, os, socket, sys, time

api = os.environ["AWS_LAMBDA_RUNTIME_API"]
host, port = api.split(":")
mode = os.environ.get("_HANDLER", "echo")
conn = http.client.HTTPConnection(host, int(port))

def call(method, path, body=None, headers=None):
    conn.request(method, "/2018-06-01/runtime/" + path, body=body, headers=headers or {})
    r = conn.getresponse()
    return r.status, r.read(), r

if mode == "exitnow":
    sys.exit(3)
if mode == "initfail":
    call("POST", "init/error", json.dumps({"errorType": "Runtime.ImportModuleError", "errorMessage": "no module named app"}),
         {"Lambda-Runtime-Function-Error-Type": "Runtime.ImportModuleError"})
    time.sleep(30)
    sys.exit(1)

if mode == "reconnect":
    # Give up on a parked /next after 0.3 s and ask again on a new connection,
    # as runtimes with a client-side read timeout do.
    while True:
        conn = http.client.HTTPConnection(host, int(port), timeout=0.3)
        try:
            status, body, r = call("GET", "invocation/next")
            break
        except OSError:
            conn.close()
    conn = http.client.HTTPConnection(host, int(port))
    rid = r.getheader("Lambda-Runtime-Aws-Request-Id")
    call("POST", "invocation/%s/response" % rid, json.dumps({"statusCode": 200, "body": "after reconnecting"}))
    mode = "echo"

while True:
    status, body, r = call("GET", "invocation/next")
    rid = r.getheader("Lambda-Runtime-Aws-Request-Id")
    event = json.loads(body)
    query = event.get("queryStringParameters") or {}
    result = None
    if mode == "echo":
        result = {"statusCode": 200, "headers": {"content-type": "application/json", "x-instance": str(os.getpid())},
                  "body": json.dumps({"pid": os.getpid(), "cwd": os.getcwd(), "env": dict(os.environ),
                                      "event": event, "deadline": r.getheader("Lambda-Runtime-Deadline-Ms"),
                                      "arn": r.getheader("Lambda-Runtime-Invoked-Function-Arn")})}
    elif mode == "printer":
        # Output written (and flushed) before the answer, several lines of it.
        for n in range(int(query.get("lines", "3"))):
            print("handled %s line %d %s" % (rid, n, "x" * 2000), flush=True)
        result = {"statusCode": 200, "body": rid}
    elif mode == "slow":
        time.sleep(int(query.get("ms", "300")) / 1000.0)
        result = {"statusCode": 200, "body": str(os.getpid())}
    elif mode == "fail":
        call("POST", "invocation/%s/error" % rid, json.dumps({"errorType": "ValueError", "errorMessage": query.get("message", "bad value 42")}),
             {"Lambda-Runtime-Function-Error-Type": "ValueError"})
        continue
    elif mode == "crash":
        if query.get("crash") == "yes":
            os._exit(7)
        result = {"statusCode": 200, "body": str(os.getpid())}
    elif mode == "hang":
        print("child pid %d" % os.getpid(), flush=True)
        time.sleep(3600)
    elif mode == "big":
        result = {"statusCode": 200, "body": "x" * (7 * 1024 * 1024)}
    elif mode == "plain":
        result = ["any", "json", 1]
    elif mode == "rogue":
        s1, b1, _ = call("POST", "invocation/not-a-real-id/response", "{}")
        raw = socket.create_connection((host, int(port)))
        raw.sendall(b"\x00\x01garbage\r\n\r\n")
        garbage = raw.recv(4096)
        raw.close()
        s2, b2, _ = call("POST", "invocation/%s/response" % rid,
                         json.dumps({"statusCode": 200, "body": json.dumps({"wrongId": s1, "garbage": garbage[:12].decode("latin1")})}))
        s3, b3, _ = call("POST", "invocation/%s/response" % rid, "{}")
        print("second answer got %d %s" % (s3, b3.decode()), flush=True)
        continue
    elif mode == "latecalls":
        s1, b1, _ = call("GET", "no/such/endpoint")
        s2, b2, _ = call("POST", "init/error", json.dumps({"errorType": "Late", "errorMessage": "too late"}))
        result = {"statusCode": 200, "body": json.dumps({"unknownPath": s1, "lateInitError": s2})}
    elif mode == "informational":
        result = {"statusCode": 100, "body": "not a final status"}
    elif mode == "spawner":
        import subprocess
        child = subprocess.Popen(["sleep", "600"])
        result = {"statusCode": 200, "body": str(child.pid)}
    call("POST", "invocation/%s/response" % rid, json.dumps(result))
"""#
}
