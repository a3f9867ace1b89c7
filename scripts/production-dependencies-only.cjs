// Loaded with `node --require` into a production process under test: any require() that resolves
// into a package a production install (`npm ci --omit=dev`) would not have throws, naming it.
// PRODUCTION_PACKAGES_FILE lists the allowed package folders (`npm ls --omit=dev --all --parseable`).
const fs = require('node:fs');
const Module = require('node:module');

const allowed = new Set(fs.readFileSync(process.env.PRODUCTION_PACKAGES_FILE, 'utf8').split('\n').filter(Boolean));
const resolve = Module._resolveFilename;

Module._resolveFilename = function resolveProductionOnly(request, ...rest) {
  const file = resolve.call(this, request, ...rest);
  // The innermost package folder: greedy up to the last node_modules.
  const pkg = /^(.*[\\/]node_modules[\\/](?:@[^\\/]+[\\/])?[^\\/]+)/.exec(file)?.[1];
  if (pkg !== undefined && !allowed.has(pkg)) {
    throw new Error(`${request} resolves to ${pkg}, which a production install (npm ci --omit=dev) does not have`);
  }
  return file;
};
