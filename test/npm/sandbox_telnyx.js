// Drives the sandbox's Telnyx face (`sipctl sandbox serve`, or the sandbox
// handler behind an httptest server) with Telnyx's official Node library,
// to prove the face speaks the API the library was generated from. Run by
// the Go test internal/sandbox/npm_telnyx_test.go, which checks the JSON
// summary printed on stdout and the sandbox's state afterwards.
//
// Environment: SANDBOX_TELNYX_URL (API root, ending in /v2),
// SANDBOX_TELNYX_API_KEY.
"use strict";

const Telnyx = require("telnyx");

function must(cond, what) {
  if (!cond) throw new Error("assertion failed: " + what);
}

async function expectError(promise, status, what) {
  try {
    await promise;
  } catch (e) {
    must(e instanceof Telnyx.APIError, `${what}: not an APIError: ${e}`);
    must(e.status === status, `${what}: status ${e.status}, want ${status} (${e.message})`);
    const first = e.error && e.error.errors && e.error.errors[0];
    must(first && typeof first.code === "string" && first.title, `${what}: no Telnyx error object in ${JSON.stringify(e.error)}`);
    return first.code;
  }
  throw new Error(`${what}: succeeded, want HTTP ${status}`);
}

async function main() {
  const { SANDBOX_TELNYX_URL, SANDBOX_TELNYX_API_KEY } = process.env;
  must(SANDBOX_TELNYX_URL && SANDBOX_TELNYX_API_KEY, "SANDBOX_TELNYX_URL and SANDBOX_TELNYX_API_KEY are set");
  const client = new Telnyx({ apiKey: SANDBOX_TELNYX_API_KEY, baseURL: SANDBOX_TELNYX_URL, maxRetries: 0 });
  const out = { errors: {} };

  // Create five connections, then page through them two at a time.
  const ids = [];
  for (let i = 0; i < 5; i++) {
    const res = await client.credentialConnections.create({
      user_name: `npmuser${i}`,
      password: `Npm-library-pass-${i}`,
      connection_name: `npm user ${i}`,
    });
    must(res.data && res.data.id && res.data.user_name === `npmuser${i}`, `created ${JSON.stringify(res.data)}`);
    must(!("password" in res.data), "the password is not echoed");
    ids.push(res.data.id);
  }
  out.firstId = ids[0];
  out.errors.duplicate = await expectError(
    client.credentialConnections.create({ user_name: "npmuser0", password: "Another-pass-1", connection_name: "dup" }),
    422, "duplicate user_name");
  out.errors.badUserName = await expectError(
    client.credentialConnections.create({ user_name: "no", password: "Another-pass-1", connection_name: "bad" }),
    422, "short user_name");

  out.listed = [];
  out.pageSizes = [];
  let page = await client.credentialConnections.list({ "page[size]": 2 });
  for (;;) {
    out.pageSizes.push(page.data.length);
    for (const c of page.data) out.listed.push(c.user_name);
    if (!page.hasNextPage()) break;
    page = await page.getNextPage();
  }
  // The library's auto-pagination too.
  out.autoPaged = 0;
  for await (const c of client.credentialConnections.list({ "page[size]": 2 })) {
    must(c.record_type === "credential_connection", "record_type");
    out.autoPaged++;
  }

  const updated = await client.credentialConnections.update(ids[1], {
    connection_name: "renamed by npm",
    password: "Npm-rotated-pass-1",
    inbound: { channel_limit: 4 },
    outbound: { channel_limit: 2, ani_override: "+14155550199" },
  });
  out.updated = {
    connection_name: updated.data.connection_name,
    inbound_channel_limit: updated.data.inbound.channel_limit,
    outbound_channel_limit: updated.data.outbound.channel_limit,
    ani_override: updated.data.outbound.ani_override,
  };
  const fetched = await client.credentialConnections.retrieve(ids[1]);
  must(fetched.data.connection_name === "renamed by npm", "retrieve sees the update");

  const status = await client.credentialConnections.actions.checkRegistrationStatus(ids[1]);
  out.registration = { status: status.data.status, sip_username: status.data.sip_username, record_type: status.data.record_type };

  for (const id of ids) {
    const res = await client.credentialConnections.delete(id);
    must(res.data.id === id, "delete returns the connection");
  }
  out.errors.deletedTwice = await expectError(client.credentialConnections.delete(ids[0]), 404, "second delete");
  out.errors.wrongKey = await expectError(
    new Telnyx({ apiKey: "KEYWRONG", baseURL: SANDBOX_TELNYX_URL, maxRetries: 0 }).credentialConnections.list(),
    401, "wrong API key");
  const left = await client.credentialConnections.list();
  out.remaining = left.meta.total_results;

  // Outbound voice profiles (sipctl's outbound-profiles and accounts restrict).
  const ovp = await client.outboundVoiceProfiles.create({ name: "npm intl", whitelisted_destinations: ["US", "GB"] });
  must(ovp.data.record_type === "outbound_voice_profile" && ovp.data.id, `profile ${JSON.stringify(ovp.data)}`);
  out.profileCountries = ovp.data.whitelisted_destinations;
  out.profiles = 0;
  for await (const p of client.outboundVoiceProfiles.list()) {
    must(p.name === "npm intl", "listed profile");
    out.profiles++;
  }

  // Managed accounts (sipctl's subaccounts): disabled ones are found by the
  // status filter, and a managed account's own key acts inside it.
  const ma = await client.managedAccounts.create({ business_name: "npm dental" });
  must(ma.data.record_type === "managed_account" && ma.data.api_key, "a managed account with its key");
  await client.managedAccounts.actions.disable(ma.data.id);
  out.disabled = [];
  for await (const m of client.managedAccounts.list({ filter: { status: { eq: "disabled" } } })) out.disabled.push(m.organization_name);
  await client.managedAccounts.actions.enable(ma.data.id);
  const enabled = await client.managedAccounts.list({ filter: { status: { eq: "enabled" } } });
  out.enabled = enabled.data.map((m) => m.organization_name);
  const inside = new Telnyx({ apiKey: ma.data.api_key, baseURL: SANDBOX_TELNYX_URL, maxRetries: 0 });
  const made = await inside.credentialConnections.create({ user_name: "npmmanaged1", password: "Npm-managed-pass-1", connection_name: "npm managed" });
  out.insideCount = (await inside.credentialConnections.list()).meta.total_results;
  out.managerCount = (await client.credentialConnections.list()).meta.total_results;
  await inside.credentialConnections.delete(made.data.id);
  process.stdout.write(JSON.stringify(out) + "\n");
}

main().catch((e) => {
  process.stderr.write((e && e.stack) || String(e));
  process.stderr.write("\n");
  process.exit(1);
});
