// Drives `sipctl sandbox serve` (or the sandbox handler behind an httptest
// server) with Twilio's official Node library, to prove the sandbox speaks
// the API the library was generated from. Run by the Go test
// internal/sandbox/npm_test.go, which checks the JSON summary this prints on
// stdout and the sandbox's state afterwards.
//
// Environment: SANDBOX_URL (API base URL), SANDBOX_ACCOUNT_SID,
// SANDBOX_AUTH_TOKEN.
"use strict";

const twilio = require("twilio");

function must(cond, what) {
  if (!cond) throw new Error("assertion failed: " + what);
}

async function expectError(promise, status, code, what) {
  try {
    await promise;
  } catch (e) {
    must(e.status === status && e.code === code && typeof e.message === "string" && e.message.length > 0 &&
      e.moreInfo === "https://www.twilio.com/docs/errors/" + code,
      `${what}: got status ${e.status} code ${e.code} (${e.message}), want ${status}/${code}`);
    return code;
  }
  throw new Error(`${what}: succeeded, want error ${code}`);
}

async function main() {
  const { SANDBOX_URL, SANDBOX_ACCOUNT_SID, SANDBOX_AUTH_TOKEN } = process.env;
  must(SANDBOX_URL && SANDBOX_ACCOUNT_SID && SANDBOX_AUTH_TOKEN, "SANDBOX_* environment is set");
  const client = twilio(SANDBOX_ACCOUNT_SID, SANDBOX_AUTH_TOKEN, { autoRetry: false });
  client.api.baseUrl = SANDBOX_URL;
  const sip = client.api.v2010.accounts(SANDBOX_ACCOUNT_SID).sip;
  const out = { errors: {} };

  const account = await client.api.v2010.accounts(SANDBOX_ACCOUNT_SID).fetch();
  must(account.sid === SANDBOX_ACCOUNT_SID && account.status === "active", "account fetch");
  must(account.dateCreated instanceof Date && !isNaN(account.dateCreated), "account date parsed as RFC 2822");

  const domain = await sip.domains.create({ domainName: "npm-test.sip.twilio.com", friendlyName: "npm", sipRegistration: true });
  must(/^SD[0-9a-f]{32}$/.test(domain.sid) && domain.sipRegistration === true, "domain create");
  must(domain.dateCreated instanceof Date && !isNaN(domain.dateCreated), "domain date parsed");
  out.domainSid = domain.sid;

  const list = await sip.credentialLists.create({ friendlyName: "npm-users" });
  must(/^CL[0-9a-f]{32}$/.test(list.sid), "credential list create");
  out.credentialListSid = list.sid;

  const creds = sip.credentialLists(list.sid).credentials;
  const created = [];
  for (let i = 0; i < 5; i++) {
    const c = await creds.create({ username: `user${i}`, password: `Npm-Library-Pass${i}x` });
    must(/^CR[0-9a-f]{32}$/.test(c.sid) && c.username === `user${i}` && c.credentialListSid === list.sid, "credential create");
    created.push(c.sid);
  }
  const updated = await creds(created[0]).update({ password: "Npm-Library-Rotated9x" });
  must(updated.sid === created[0], "credential update");

  out.errors.weakPassword = await expectError(creds.create({ username: "weak", password: "short" }), 400, 21240, "weak password");
  out.errors.duplicateDomain = await expectError(sip.domains.create({ domainName: "npm-test.sip.twilio.com" }), 400, 21232, "duplicate domain");
  out.errors.missing = await expectError(sip.domains("SD00000000000000000000000000000000").fetch(), 404, 20404, "missing domain");

  const acl = await sip.ipAccessControlLists.create({ friendlyName: "npm-office" });
  await sip.ipAccessControlLists(acl.sid).ipAddresses.create({ friendlyName: "gw", ipAddress: "192.0.2.7" });

  const auth = sip.domains(domain.sid).auth;
  const callsMap = await auth.calls.credentialListMappings.create({ credentialListSid: list.sid });
  const regMap = await auth.registrations.credentialListMappings.create({ credentialListSid: list.sid });
  const aclMap = await auth.calls.ipAccessControlListMappings.create({ ipAccessControlListSid: acl.sid });
  must(callsMap.sid === list.sid && regMap.sid === list.sid && aclMap.sid === acl.sid, "mapping SIDs are the lists' SIDs");
  must(callsMap.friendlyName === "npm-users", "mapping friendly name");
  out.mappings = {
    calls: (await auth.calls.credentialListMappings.list()).map((m) => m.sid),
    registrations: (await auth.registrations.credentialListMappings.list()).map((m) => m.sid),
    ipAcls: (await auth.calls.ipAccessControlListMappings.list()).map((m) => m.sid),
  };

  // Across pages: the library follows next_page_uri by itself.
  const listed = await creds.list({ pageSize: 2 });
  out.listedUsernames = listed.map((c) => c.username);
  // And page by page, as a caller paging explicitly does.
  let page = await creds.page({ pageSize: 2 });
  out.pageSizes = [];
  while (page) {
    out.pageSizes.push(page.instances.length);
    page = await page.nextPage();
  }

  // Delete everything, mappings first.
  await auth.calls.credentialListMappings(list.sid).remove();
  await auth.registrations.credentialListMappings(list.sid).remove();
  await auth.calls.ipAccessControlListMappings(acl.sid).remove();
  for (const sid of created) {
    must(await creds(sid).remove() === true, "credential delete");
  }
  await sip.credentialLists(list.sid).remove();
  await sip.ipAccessControlLists(acl.sid).remove();
  await sip.domains(domain.sid).remove();
  out.errors.deletedTwice = await expectError(sip.domains(domain.sid).remove(), 404, 20404, "delete twice");
  out.remaining = {
    domains: (await sip.domains.list()).length,
    credentialLists: (await sip.credentialLists.list()).length,
  };
  process.stdout.write(JSON.stringify(out) + "\n");
}

main().catch((e) => {
  process.stderr.write((e && e.stack) || String(e));
  process.stderr.write("\n");
  process.exit(1);
});
