import json


def handle(event, context):
    """Answers an API Gateway HTTP API (payload 2.0) request."""
    return {
        "statusCode": 200,
        "headers": {"content-type": "application/json"},
        "body": json.dumps({
            "message": "Hello from Python!",
            "function": context.function_name,
            "path": event.get("rawPath", "/"),
        }),
    }
