// Drives the sandbox's Plivo face (`sipctl sandbox serve`, or the sandbox
// handler behind an httptest server) with Plivo's official Node library,
// to prove the face answers as the library expects. Run by the Go test
// internal/sandbox/npm_plivo_test.go, which checks the JSON summary printed
// on stdout and the sandbox's state afterwards.
//
// The library sends its voice requests (endpoints) to the fixed origin
// https://api.plivo.com and takes the others' base from options.url; the
// one shim here moves that origin to the sandbox, leaving paths, methods,
// headers and bodies exactly as the library makes them.
//
// Environment: SANDBOX_PLIVO_URL (the API origin, no path),
// SANDBOX_PLIVO_AUTH_ID, SANDBOX_PLIVO_AUTH_TOKEN.
"use strict";

const path = require("path");
const plivo = require("plivo");
const axios = require(require.resolve("axios", { paths: [path.dirname(require.resolve("plivo"))] }));

const { SANDBOX_PLIVO_URL, SANDBOX_PLIVO_AUTH_ID, SANDBOX_PLIVO_AUTH_TOKEN } = process.env;
const PLIVO_ORIGIN = "https://api.plivo.com";

function must(cond, what) {
  if (!cond) throw new Error("assertion failed: " + what);
}

function toSandbox(config) {
  if (config.url && config.url.startsWith(PLIVO_ORIGIN)) {
    config.url = SANDBOX_PLIVO_URL + config.url.slice(PLIVO_ORIGIN.length);
  }
  return config;
}
const create = axios.create.bind(axios);
axios.create = (...args) => {
  const instance = create(...args);
  instance.interceptors.request.use(toSandbox);
  return instance;
};
axios.interceptors.request.use(toSandbox);

// The library's error classes lose their names (compiled subclasses of
// Error), so the HTTP status it reads is what is checked, with the api_id
// and error message it takes from Plivo's error body.
async function expectError(promise, status, what) {
  try {
    await promise;
  } catch (e) {
    must(e && e.status === status, `${what}: status ${e && e.status}, want ${status} (${e && e.message})`);
    must(typeof e.apiID === "string" && e.apiID.length > 0 && e.message, `${what}: no Plivo error body (${JSON.stringify(e)})`);
    return e.status;
  }
  throw new Error(`${what}: succeeded, want HTTP ${status}`);
}

function client(id, token) {
  return new plivo.Client(id, token, { url: SANDBOX_PLIVO_URL + "/v1/Account/" + id });
}

async function main() {
  must(SANDBOX_PLIVO_URL && SANDBOX_PLIVO_AUTH_ID && SANDBOX_PLIVO_AUTH_TOKEN, "SANDBOX_PLIVO_* are set");
  const c = client(SANDBOX_PLIVO_AUTH_ID, SANDBOX_PLIVO_AUTH_TOKEN);
  const out = { errors: {}, created: [] };

  // Five endpoints: Plivo appends 12 digits to each username.
  const ids = [];
  for (let i = 0; i < 5; i++) {
    const res = await c.endpoints.create(`npmdesk${i}`, `Npm-pass-${i}`, `npm-desk_${i}`);
    must(res.endpointId && res.message === "created", `created ${JSON.stringify(res)}`);
    must(new RegExp(`^npmdesk${i}[0-9]{12}$`).test(res.username), `username ${res.username}`);
    out.created.push(res.username);
    ids.push(res.endpointId);
  }
  out.errors.badUsername = await expectError(c.endpoints.create("9lives", "Npm-pass-9", "nine"), 400, "username starting with a digit");
  out.errors.shortPassword = await expectError(c.endpoints.create("shortpw", "1234", "short"), 400, "4-character password");

  // Pages of two, by limit and offset.
  out.listed = [];
  out.pageSizes = [];
  for (let offset = 0; ; offset += 2) {
    const page = await c.endpoints.list({ limit: 2, offset });
    out.pageSizes.push(page.length);
    for (const e of page) out.listed.push(e.username);
    must(page.meta.totalCount === 5 && page.meta.limit === 2, `meta ${JSON.stringify(page.meta)}`);
    if (page.meta.next === null) break;
  }

  const got = await c.endpoints.get(ids[1]);
  must(got.username === out.created[1] && got.alias === "npm-desk_1" && got.sipRegistered === "false", `get ${JSON.stringify(got)}`);
  must(got.sipUri === `sip:${out.created[1]}@phone.plivo.com`, `sip_uri ${got.sipUri}`);
  const upd = await c.endpoints.update(ids[1], { alias: "renamed-by-npm", password: "Npm-rotated-1" });
  must(upd.message === "changed", `update ${JSON.stringify(upd)}`);
  out.alias = (await c.endpoints.get(ids[1])).alias;

  await c.endpoints.delete(ids[0]);
  out.errors.deletedTwice = await expectError(c.endpoints.delete(ids[0]), 404, "delete twice");
  out.errors.wrongToken = await expectError(client(SANDBOX_PLIVO_AUTH_ID, "wrong-token").endpoints.list(), 401, "a wrong token");

  // Subaccounts, and an endpoint made inside one with its own credentials.
  const sub = await c.subaccounts.create("npm dental", true);
  must(/^SA[A-Z0-9]{18}$/.test(sub.authId) && sub.authToken, `subaccount ${JSON.stringify(sub)}`);
  const subs = await c.subaccounts.list({ limit: 20, offset: 0 });
  out.subaccounts = subs.map((s) => s.name);
  const inside = client(sub.authId, sub.authToken);
  const made = await inside.endpoints.create("npmacme", "Npm-acme-1", "acme");
  out.insideCount = (await inside.endpoints.list()).length;
  out.mainCount = (await c.endpoints.list()).length;
  await c.subaccounts.update(sub.authId, "npm dental", false);
  out.disabled = (await c.subaccounts.get(sub.authId)).enabled === false;
  out.errors.disabledSub = await expectError(inside.endpoints.list(), 401, "a disabled subaccount");
  await c.subaccounts.delete(sub.authId, true);
  out.subaccountsLeft = (await c.subaccounts.list()).length;
  out.madeInside = made.username;

  for (const id of ids.slice(1)) await c.endpoints.delete(id);
  out.remaining = (await c.endpoints.list()).length;
  process.stdout.write(JSON.stringify(out));
}

main().catch((e) => {
  console.error(e && e.stack ? e.stack : e);
  process.exit(1);
});
