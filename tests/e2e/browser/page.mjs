// Load one page in Debian's chromium (driven by playwright-core, which downloads no browser)
// and print what a person would see, as one JSON object on stdout.
//
//   node page.mjs '{"url": ..., "profile": ..., "waitFor": ..., "facts": {...}, "submit": ...}'
//
// url:      the page (loopback only: every other request is aborted and reported)
// profile:  a fresh --user-data-dir
// waitFor:  a CSS selector that must appear (the page rendered)
// facts:    name -> JavaScript expression evaluated in the page once it rendered
// submit:   optional {"click": selector, "waitFor": selector}: click, wait for the next page
//
// Reported: the main document's status and headers, the facts, every Content-Security-Policy
// violation (securitypolicyviolation events and the console's "Refused to ..." lines),
// console errors, uncaught page errors, failed requests and requests that left loopback.
import { chromium } from "playwright-core";

const spec = JSON.parse(process.argv[2]);
const report = {
  status: null,
  headers: {},
  facts: {},
  violations: [],
  consoleErrors: [],
  pageErrors: [],
  failedRequests: [],
  offLoopback: [],
  after: null,
};

const context = await chromium.launchPersistentContext(spec.profile, {
  executablePath: spec.executable || "/usr/bin/chromium",
  headless: true,
  args: [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
  ],
  timeout: 60_000,
});
try {
  await context.addInitScript(() => {
    window.__cspViolations = [];
    document.addEventListener("securitypolicyviolation", (e) => {
      window.__cspViolations.push(`${e.effectiveDirective} blocked ${e.blockedURI || "inline"}`);
    });
  });
  await context.route("**/*", (route) => {
    const host = new URL(route.request().url()).hostname;
    if (host === "127.0.0.1" || host === "[::1]" || host === "localhost") return route.continue();
    report.offLoopback.push(route.request().url());
    return route.abort();
  });
  const page = context.pages()[0] || (await context.newPage());
  page.on("console", (message) => {
    const text = message.text();
    if (/Content Security Policy|Refused to/.test(text)) report.violations.push(text);
    else if (message.type() === "error") report.consoleErrors.push(text);
  });
  page.on("pageerror", (error) => report.pageErrors.push(String(error)));
  page.on("requestfailed", (request) =>
    report.failedRequests.push(`${request.url()} ${request.failure()?.errorText}`),
  );
  const response = await page.goto(spec.url, { waitUntil: "load", timeout: 30_000 });
  report.status = response.status();
  report.headers = await response.allHeaders();
  await page.waitForSelector(spec.waitFor, { state: "attached", timeout: 30_000 });
  await page.waitForLoadState("networkidle", { timeout: 15_000 }).catch(() => {});
  for (const [name, expression] of Object.entries(spec.facts || {})) {
    report.facts[name] = await page.evaluate(expression);
  }
  report.violations.push(...(await page.evaluate(() => window.__cspViolations)));
  if (spec.submit) {
    await Promise.all([page.waitForNavigation({ timeout: 30_000 }), page.click(spec.submit.click)]);
    await page.waitForSelector(spec.submit.waitFor, { timeout: 30_000 });
    report.after = await page.evaluate(() => document.body.innerText);
  }
} finally {
  await context.close();
}
process.stdout.write(JSON.stringify(report) + "\n");
