// Which element is a page's Largest Contentful Paint, and the long tasks before it, under
// DevTools' throttling (4× slower CPU, 150 ms, 1.6 Mbit/s) at 820 × 1180: what Lighthouse
// 12.2.3's own LCP-element audit cannot say with Debian's Chromium 156 (docs/pages.md).
//
//   node scripts/lcp-element.js http://127.0.0.1:8197/z SESSION_COOKIE
//
// puppeteer-core comes with Lighthouse (scripts/lighthouse.sh installs it).
const puppeteer = require(process.env.HOME + "/.multicaisse-tools/node_modules/puppeteer-core");

(async () => {
  const [url, cookie] = process.argv.slice(2);
  if (!url || !cookie) throw new Error("usage: node scripts/lcp-element.js URL SESSION_COOKIE");
  const browser = await puppeteer.launch({
    executablePath: "/usr/bin/chromium",
    headless: "new",
    args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"],
  });
  const page = await browser.newPage();
  await page.setViewport({ width: 820, height: 1180, deviceScaleFactor: 2 });
  const cdp = await page.target().createCDPSession();
  await cdp.send("Emulation.setCPUThrottlingRate", { rate: 4 });
  await cdp.send("Network.enable");
  await cdp.send("Network.emulateNetworkConditions", {
    offline: false, latency: 150, downloadThroughput: (1.6 * 1024 * 1024) / 8, uploadThroughput: (750 * 1024) / 8,
  });
  await page.setExtraHTTPHeaders({ Cookie: "multicaisse_session=" + cookie });
  await page.evaluateOnNewDocument(() => {
    window.__paints = [];
    window.__tasks = [];
    const describe = e => e ? `${e.tagName}.${e.className} “${(e.textContent || "").slice(0, 40)}”` : "?";
    new PerformanceObserver(list => list.getEntries().forEach(e =>
      window.__paints.push({ at_ms: Math.round(e.startTime), size: e.size, element: describe(e.element) })))
      .observe({ type: "largest-contentful-paint", buffered: true });
    new PerformanceObserver(list => list.getEntries().forEach(e =>
      window.__tasks.push({ at_ms: Math.round(e.startTime), ms: Math.round(e.duration) })))
      .observe({ type: "longtask", buffered: true });
  });
  await page.goto(url, { waitUntil: "networkidle0" });
  await new Promise(resolve => setTimeout(resolve, 1500));
  console.log(JSON.stringify(await page.evaluate(() => ({
    first_contentful_paint_ms: performance.getEntriesByName("first-contentful-paint").map(e => Math.round(e.startTime)),
    largest_contentful_paint_candidates: window.__paints,
    long_tasks: window.__tasks,
  })), null, 1));
  await browser.close();
})();
