import FunctionKit

await FunctionRuntime.serve { (request: HTTPRequest, context: Context) in
    try HTTPResponse.json([
        "message": "Hello from Swift!",
        "function": context.functionName,
        "path": request.rawPath,
    ])
}
