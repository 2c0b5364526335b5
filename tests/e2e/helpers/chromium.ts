import { execFileSync, spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'

/** Where the browser tests look for Chromium: `CHROMIUM_PATH`, else Debian's package. */
export const chromiumPath = (): string => process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'

const INSTALL_HINT =
  'The browser tests need Chromium: install it with `apt-get install -y chromium` (Debian/Ubuntu, as root), or set CHROMIUM_PATH to a Chromium binary.'

/**
 * Make sure Chromium is there before any browser test starts, so a fresh machine needs nothing but the README's
 * commands. Debian's package is used because this network reaches only the npm and Debian registries (no browser
 * downloads). Installing needs root and apt; anywhere else the run stops with one line saying what to install.
 */
export function ensureChromium(): string {
  const path = chromiumPath()
  if (existsSync(path)) return path
  if (process.env.CHROMIUM_PATH) throw new Error(`CHROMIUM_PATH=${path} does not exist. ${INSTALL_HINT}`)
  if (process.getuid?.() !== 0 || !hasCommand('apt-get')) throw new Error(`Chromium not found at ${path}. ${INSTALL_HINT}`)
  console.log(`Chromium not found at ${path}: installing Debian's chromium package with apt-get…`)
  const apt = (args: string[]) =>
    // Wait for the dpkg lock instead of failing when another apt-get (another test run) holds it.
    execFileSync('apt-get', ['-o', 'DPkg::Lock::Timeout=600', ...args], {
      stdio: 'inherit',
      env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
    })
  try {
    apt(['update', '-qq'])
    apt(['install', '-y', '-qq', 'chromium'])
  } catch {
    throw new Error(`Installing chromium with apt-get failed. ${INSTALL_HINT}`)
  }
  if (!existsSync(path)) throw new Error(`apt-get installed chromium but ${path} is still missing. ${INSTALL_HINT}`)
  return path
}

function hasCommand(name: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${name}`], { stdio: 'ignore' }).status === 0
}
