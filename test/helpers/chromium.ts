/**
 * Headless Chromium for the browser tests: where it is, the flags that open a page from disk with
 * the network off, and a run that returns the dumped DOM.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';

export const CHROMIUM: string | undefined = [process.env['CHROMIUM'], '/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'].find(
  (p): p is string => !!p && existsSync(p),
);

export const CHROMIUM_MISSING = "headless Chromium not found: install Debian's `chromium` (apt-get install -y chromium) or set CHROMIUM=/path/to/chrome";

/** Flags for a headless page with its own profile, no name resolution (network off) and software WebGL. */
export function offlineChromiumArgs(profile: string, virtualTimeMs: number): string[] {
  return [
    '--headless',
    '--no-sandbox',
    '--disable-gpu',
    '--enable-unsafe-swiftshader', // software WebGL for 3-D figures
    `--user-data-dir=${profile}`,
    '--host-resolver-rules=MAP * ~NOTFOUND', // no name resolves: the network is off for the page
    '--no-proxy-server',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    '--disable-extensions',
    '--no-first-run',
    '--no-default-browser-check',
    '--hide-scrollbars',
    `--virtual-time-budget=${virtualTimeMs}`,
  ];
}

/** Runs Chromium with `args`; resolves to its stdout (the DOM with --dump-dom). */
export function runChromium(args: string[], timeoutMs: number, maxBuffer: number): Promise<string> {
  if (!CHROMIUM) return Promise.reject(new Error(CHROMIUM_MISSING));
  return new Promise((resolve, reject) => {
    execFile(CHROMIUM, args, { timeout: timeoutMs, maxBuffer }, (error, stdout, stderr) => {
      if (error) reject(new Error(`chromium failed: ${error.message}\n${stderr.slice(-2000)}`));
      else resolve(stdout);
    });
  });
}
