// Loaded into configurable-http-proxy with `node --require` (NODE_OPTIONS) by
// processes.start_proxy, so proxy.log stays plain text an operator can read.
//
// Why a preload and not an option: CHP 5.x has none for either.
// - Colour: CHP's logger uses winston's colorize(), and logform sets
//   `@colors/colors.enabled = true` unconditionally ("colors in non-tty
//   environments"), so NO_COLOR / FORCE_COLOR=0 / a non-tty change nothing.
// - A browser that closes a connection (a tab closed, a laptop lid shut)
//   resets its socket; CHP has no error listener on that socket and logs the
//   reset through its uncaughtException handler as an error with a stack,
//   which no --log-level hides. Only that expected reset is dropped; every
//   other uncaught exception is still logged by CHP.
"use strict";

const fs = require("fs");
const path = require("path");

// The copy of @colors that CHP's winston's logform loads (npm may nest one
// under logform), found the way Node resolves it from each package.
function resolveFrom(file, name) {
  return require.resolve(name, { paths: [path.dirname(file)] });
}

try {
  const script = fs.realpathSync(process.argv[1]);
  const winston = resolveFrom(script, "winston");
  const logform = resolveFrom(winston, "logform");
  for (const from of [logform, script]) {
    const colors = require(resolveFrom(from, "@colors/colors/safe"));
    Object.defineProperty(colors, "enabled", { get: () => false, set: () => {}, configurable: true });
  }
} catch (e) {
  // another CHP layout: coloured logs are better than no proxy
}

const on = process.on;
process.on = process.addListener = function (event, listener) {
  if (event === "uncaughtException" && typeof listener === "function") {
    const inner = listener;
    listener = function (error, origin) {
      if (error && error.code === "ECONNRESET" && error.syscall === "read") return;
      return inner.call(this, error, origin);
    };
  }
  return on.call(this, event, listener);
};
