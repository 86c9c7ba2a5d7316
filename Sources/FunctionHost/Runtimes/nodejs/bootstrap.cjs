#!/usr/bin/env node
// The emulator's built-in Node.js runtime: a client of AWS Lambda's Runtime API
// in plain Node.js (no npm package), started as `node bootstrap.cjs` for every
// function folder holding *.js, *.mjs or *.cjs files and no bootstrap.
//
// _HANDLER names the handler as file.export (default index.handler), the file
// looked up in LAMBDA_TASK_ROOT as file.js, file.mjs or file.cjs, as Lambda's
// nodejs runtimes do. ES modules (.mjs, or .js under a package.json with
// "type": "module") are imported, CommonJS modules (.cjs, .js) required.
// Handlers are `async (event, context)` or callback-style
// `(event, context, callback)`. A thrown error (or rejected promise, or
// callback error) goes to /invocation/{id}/error with its errorType, message
// and stack, and is logged; an error while loading the handler goes to
// /init/error and the process exits with status 1.
//
// console.log/info/warn/error/debug/trace write one record per call, as
// Lambda's nodejs runtimes do: `<ISO time>\t<request id>\t<LEVEL>\t<message>`,
// the message's own line breaks written as \r (the host splits on both).
"use strict";

const http = require("node:http");
const path = require("node:path");
const fs = require("node:fs");
const util = require("node:util");
const { pathToFileURL } = require("node:url");

const API = "/2018-06-01/runtime";
const endpoint = process.env.AWS_LAMBDA_RUNTIME_API;
const taskRoot = process.env.LAMBDA_TASK_ROOT || process.cwd();
const handlerName = process.env._HANDLER || "index.handler";

let currentRequestId = undefined;
/// The invocation not answered yet, if any: where a fatal error goes.
let pendingRequestId = undefined;
let initialized = false;

// ---- logging -----------------------------------------------------------------

const stdout = process.stdout;
const stderr = process.stderr;

function record(level, stream, args) {
  // A record's lines are separated by \r, as Lambda writes them: one record, one log event.
  const message = util.format(...args).replace(/\n/g, "\r");
  const id = currentRequestId === undefined ? "undefined" : currentRequestId;
  stream.write(`${new Date().toISOString()}\t${id}\t${level}\t${message}\n`);
}

console.log = (...args) => record("INFO", stdout, args);
console.info = (...args) => record("INFO", stdout, args);
console.debug = (...args) => record("DEBUG", stdout, args);
console.warn = (...args) => record("WARN", stderr, args);
console.error = (...args) => record("ERROR", stderr, args);
console.trace = (...args) => {
  const stack = new Error(util.format(...args)).stack.split("\n").slice(2).join("\n");
  record("TRACE", stderr, [`Trace: ${util.format(...args)}\n${stack}`]);
};

// ---- the Runtime API ---------------------------------------------------------

const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
const [apiHost, apiPort] = (endpoint || ":").split(":");

function call(method, route, body, headers) {
  return new Promise((resolve, reject) => {
    const request = http.request(
      { host: apiHost, port: Number(apiPort), method, path: API + route, agent, headers: headers || {} },
      (response) => {
        const chunks = [];
        response.on("data", (chunk) => chunks.push(chunk));
        response.on("end", () => {
          const payload = Buffer.concat(chunks);
          if (response.statusCode >= 500) {
            reject(new Error(`${route}: ${response.statusCode} ${payload.toString()}`));
            return;
          }
          if (response.statusCode >= 400) {
            stderr.write(`Runtime API answered ${route} with ${response.statusCode}\n`);
          }
          resolve({ headers: response.headers, payload });
        });
        response.on("error", reject);
      }
    );
    request.on("error", reject);
    request.end(body);
  });
}

function postJSON(route, value, errorType) {
  const body = Buffer.from(JSON.stringify(value === undefined ? null : value));
  const headers = { "Content-Type": "application/json", "Content-Length": body.length };
  if (errorType) headers["Lambda-Runtime-Function-Error-Type"] = errorType;
  return call("POST", route, body, headers);
}

// ---- errors ------------------------------------------------------------------

function errorType(error) {
  if (error instanceof Error) {
    return error.name && error.name !== "Error" ? error.name : (error.constructor && error.constructor.name) || "Error";
  }
  return "Error";
}

/// The error document Lambda's nodejs runtimes post: errorType, errorMessage, trace;
/// and the error's own string `code` when it has one (node-postgres puts the
/// SQLSTATE there), which the host reads to name the failure's cause.
function errorReport(error, type) {
  if (error instanceof Error) {
    const report = {
      errorType: type || errorType(error),
      errorMessage: error.message,
      trace: String(error.stack || "").split("\n"),
    };
    if (typeof error.code === "string") report.code = error.code;
    return report;
  }
  let message;
  try {
    message = typeof error === "string" ? error : JSON.stringify(error);
  } catch {
    message = String(error);
  }
  return { errorType: type || "Error", errorMessage: message, trace: [] };
}

function logError(report, label) {
  record("ERROR", stderr, [
    `${label} \t${JSON.stringify({ errorType: report.errorType, errorMessage: report.errorMessage, stack: report.trace })}`,
  ]);
}

// ---- loading the handler -----------------------------------------------------

class HandlerError extends Error {
  constructor(name, message) {
    super(message);
    this.name = name;
  }
}

function findModuleFile(moduleName) {
  for (const extension of [".js", ".mjs", ".cjs"]) {
    const file = path.resolve(taskRoot, moduleName + extension);
    if (fs.existsSync(file)) return file;
  }
  throw new HandlerError("Runtime.ImportModuleError", `Error: Cannot find module '${moduleName}' in ${taskRoot} (tried .js, .mjs, .cjs)`);
}

/// Whether a .js file is an ES module: the nearest package.json says "type": "module".
function isESModuleJS(file) {
  let directory = path.dirname(file);
  while (true) {
    const manifest = path.join(directory, "package.json");
    if (fs.existsSync(manifest)) {
      try {
        return JSON.parse(fs.readFileSync(manifest, "utf8")).type === "module";
      } catch {
        return false;
      }
    }
    const parent = path.dirname(directory);
    if (parent === directory) return false;
    directory = parent;
  }
}

async function loadHandler() {
  const dot = handlerName.lastIndexOf(".");
  if (dot <= 0 || dot === handlerName.length - 1) {
    throw new HandlerError("Runtime.MalformedHandlerName", `Bad handler ${handlerName}: expected file.export`);
  }
  const moduleName = handlerName.slice(0, dot);
  const exportName = handlerName.slice(dot + 1);
  const file = findModuleFile(moduleName);
  let module;
  try {
    if (file.endsWith(".mjs") || (file.endsWith(".js") && isESModuleJS(file))) {
      module = await import(pathToFileURL(file).href);
    } else {
      module = require(file);
    }
  } catch (error) {
    // A parse error has no stack frame in the file; a SyntaxError thrown by the file's code is its own error.
    const frames = String(error && error.stack).split("\n").filter((line) => line.trimStart().startsWith("at "));
    const thrownByTheFile = frames.some((line) => line.includes(file) || line.includes(pathToFileURL(file).href));
    if (error instanceof SyntaxError && !thrownByTheFile) {
      const wrapped = new HandlerError("Runtime.UserCodeSyntaxError", `${error.name}: ${error.message}`);
      wrapped.stack = error.stack;
      throw wrapped;
    }
    if (error && error.code === "MODULE_NOT_FOUND" || error && error.code === "ERR_MODULE_NOT_FOUND") {
      const hint = fs.existsSync(path.join(taskRoot, "node_modules")) ? "" : ` (there is no node_modules in ${taskRoot}: run npm install there)`;
      const wrapped = new HandlerError("Runtime.ImportModuleError", `Error: ${error.message.split("\n")[0]}${hint}`);
      wrapped.stack = error.stack;
      throw wrapped;
    }
    throw error;
  }
  let handler = module[exportName];
  if (handler === undefined && module.default && typeof module.default === "object") handler = module.default[exportName];
  if (typeof handler !== "function") {
    throw new HandlerError("Runtime.HandlerNotFound", `${moduleName}.${exportName} is undefined or not exported`);
  }
  return handler;
}

// ---- the context -------------------------------------------------------------

function makeContext(headers, finish) {
  const deadline = Number(headers["lambda-runtime-deadline-ms"] || 0);
  const context = {
    awsRequestId: headers["lambda-runtime-aws-request-id"] || "",
    invokedFunctionArn: headers["lambda-runtime-invoked-function-arn"] || "",
    functionName: process.env.AWS_LAMBDA_FUNCTION_NAME || "",
    functionVersion: process.env.AWS_LAMBDA_FUNCTION_VERSION || "$LATEST",
    memoryLimitInMB: process.env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE || "128",
    logGroupName: process.env.AWS_LAMBDA_LOG_GROUP_NAME || "",
    logStreamName: process.env.AWS_LAMBDA_LOG_STREAM_NAME || "",
    callbackWaitsForEmptyEventLoop: true,
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    // The legacy completion methods of Lambda's context.
    succeed: (result) => finish(null, result),
    fail: (error) => finish(error === undefined || error === null ? new Error("handled") : error),
    done: (error, result) => finish(error, result),
  };
  const clientContext = headers["lambda-runtime-client-context"];
  const identity = headers["lambda-runtime-cognito-identity"];
  try {
    if (clientContext) context.clientContext = JSON.parse(clientContext);
    if (identity) context.identity = JSON.parse(identity);
  } catch {
    // Not JSON: left out, as the handler could not use it anyway.
  }
  return context;
}

/// Runs the handler once; resolves with { error } or { result }.
function invoke(handler, event, headers) {
  return new Promise((resolve) => {
    let settled = false;
    let context;
    const finish = (error, result) => {
      if (settled) return;
      settled = true;
      const outcome = error !== undefined && error !== null ? { error } : { result };
      // Callback style: as Lambda, wait for the event loop to empty unless told not to.
      if (context.callbackWaitsForEmptyEventLoop) {
        process.once("beforeExit", () => resolve(outcome));
      } else {
        resolve(outcome);
      }
    };
    context = makeContext(headers, finish);
    let returned;
    try {
      returned = handler(event, context, (error, result) => finish(error, result));
    } catch (error) {
      settled = true;
      resolve({ error });
      return;
    }
    if (returned && typeof returned.then === "function") {
      returned.then(
        (result) => { if (!settled) { settled = true; resolve({ result }); } },
        (error) => { if (!settled) { settled = true; resolve({ error: error === undefined || error === null ? new Error("rejected") : error }); } }
      );
    } else if (handler.length < 3) {
      // A synchronous two-argument handler: as on Lambda, what it returns is not the answer
      // (only a promise or the callback is); the answer is null once the event loop is empty.
      process.once("beforeExit", () => { if (!settled) { settled = true; resolve({ result: null }); } });
    }
  });
}

// ---- the loop ----------------------------------------------------------------

/// Reports a fatal error to the invocation in progress (or, during init, to /init/error),
/// then exits with status 129 as Lambda's runtime does.
function exitWith(error, type, label) {
  const report = errorReport(error, type);
  logError(report, label);
  const route = pendingRequestId ? `/invocation/${pendingRequestId}/error` : initialized ? undefined : "/init/error";
  pendingRequestId = undefined;
  if (!route) process.exit(129);
  postJSON(route, report, report.errorType).catch(() => {}).finally(() => process.exit(129));
}

async function main() {
  if (!endpoint) {
    stderr.write("AWS_LAMBDA_RUNTIME_API is not set: this runtime is started by a Lambda runtime host.\n");
    process.exit(1);
  }
  // As Lambda's nodejs runtimes: an uncaught exception or an unhandled rejection fails the
  // invocation in progress (or the init) and ends the process; the next request gets a fresh one.
  process.on("uncaughtException", (error) => exitWith(error, undefined, "Uncaught Exception"));
  process.on("unhandledRejection", (reason) => exitWith(reason, "Runtime.UnhandledPromiseRejection", "Unhandled Promise Rejection"));
  const major = Number(process.versions.node.split(".")[0]);
  let handler;
  try {
    if (major < 18) throw new HandlerError("Runtime.UnsupportedNodeVersion", `Node.js 18 or later is needed; this is ${process.version} (${process.execPath})`);
    handler = await loadHandler();
  } catch (error) {
    const report = errorReport(error);
    logError(report, "Uncaught Exception");
    await postJSON("/init/error", report, report.errorType);
    process.exit(1);
  }
  initialized = true;
  while (true) {
    const { headers, payload } = await call("GET", "/invocation/next");
    const requestId = headers["lambda-runtime-aws-request-id"];
    currentRequestId = requestId;
    pendingRequestId = requestId;
    if (headers["lambda-runtime-trace-id"]) process.env._X_AMZN_TRACE_ID = headers["lambda-runtime-trace-id"];
    else delete process.env._X_AMZN_TRACE_ID;
    let event;
    try {
      event = JSON.parse(payload.length ? payload.toString("utf8") : "null");
    } catch (error) {
      pendingRequestId = undefined;
      const report = errorReport(error, "Runtime.UnmarshalError");
      await postJSON(`/invocation/${requestId}/error`, report, report.errorType);
      continue;
    }
    const outcome = await invoke(handler, event, headers);
    pendingRequestId = undefined;
    if ("error" in outcome) {
      const report = errorReport(outcome.error);
      logError(report, "Invoke Error");
      await postJSON(`/invocation/${requestId}/error`, report, report.errorType);
      continue;
    }
    let body;
    try {
      body = JSON.stringify(outcome.result === undefined ? null : outcome.result);
    } catch (error) {
      const report = errorReport(error, "Runtime.SerializationError");
      logError(report, "Invoke Error");
      await postJSON(`/invocation/${requestId}/error`, report, report.errorType);
      continue;
    }
    const bytes = Buffer.from(body === undefined ? "null" : body);
    await call("POST", `/invocation/${requestId}/response`, bytes, {
      "Content-Type": "application/json",
      "Content-Length": bytes.length,
    });
  }
}

main().catch((error) => {
  stderr.write(`runtime error: ${error && error.stack ? error.stack : error}\n`);
  process.exit(1);
});
