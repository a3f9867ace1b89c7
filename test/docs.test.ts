import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';

import { everyAdapter } from '../src/providers/settings';

/**
 * The documents stay true to the code and to each other: the README stays short enough for a
 * newcomer, docs/configuration.md names exactly the variables the config reads, and every relative
 * link points at a file of this repository (and, with a #fragment, at one of its headings).
 */

const root = path.resolve(__dirname, '..');
const read = (file: string): string => readFileSync(path.join(root, file), 'utf8');

/** Markdown without its fenced code blocks: what is prose, tables and headings. */
const withoutFences = (markdown: string): string => markdown.replace(/^(```|~~~)[^\n]*\n[\s\S]*?^\1[ \t]*$/gm, '');

/** The keys of `envSchema` in src/config.ts, read from its source: the schema is not exported. */
function coreVariables(): string[] {
  const lines = read('src/config.ts').split('\n');
  const start = lines.indexOf('const envSchema = z.object({');
  const end = lines.indexOf('});', start + 1);
  if (start < 0 || end < 0) throw new Error('src/config.ts: `const envSchema = z.object({` … `});` not found');
  return lines
    .slice(start + 1, end)
    .map((line) => /^ {2}([A-Z][A-Z0-9_]*):/.exec(line)?.[1])
    .filter((name): name is string => name !== undefined);
}

/** Every variable the config reads: the core ones, each adapter's, and `<NAME>_FILE` of each adapter secret. */
function configVariables(): Set<string> {
  const names = new Set(coreVariables());
  for (const adapter of everyAdapter) {
    for (const name of Object.keys(adapter.env.shape)) names.add(name);
    for (const name of adapter.secrets) names.add(`${name}_FILE`);
  }
  return names;
}

/**
 * The variables a page names: every upper-case name with an underscore in backticks (not a file
 * name such as `src/sandbox/STRICT_DOCS.md`, nor a `<NAME>` placeholder), and `NAME_FILE` for each
 * "`NAME` / `_FILE`" shorthand.
 */
function variablesNamedIn(markdown: string): Set<string> {
  const text = withoutFences(markdown);
  const names = new Set<string>();
  for (const [, span = ''] of text.matchAll(/`([^`\n]+)`/g)) {
    for (const [name] of span.matchAll(/(?<![A-Za-z0-9_<./])[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+(?![A-Za-z0-9_>.])/g)) {
      names.add(name);
    }
  }
  for (const [, name = ''] of text.matchAll(/`([A-Z][A-Z0-9_]*)`\s*\/\s*`_FILE`/g)) names.add(`${name}_FILE`);
  return names;
}

/** GitHub's anchor of a heading: lower case, punctuation dropped, spaces as hyphens. */
const slug = (heading: string): string =>
  heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, '')
    .replace(/\s/g, '-');

function anchorsOf(markdown: string): Set<string> {
  const anchors = new Set<string>();
  const seen = new Map<string, number>();
  for (const [, heading = ''] of withoutFences(markdown).matchAll(/^#{1,6}\s+(.+?)\s*#*\s*$/gm)) {
    const base = slug(heading);
    const count = seen.get(base) ?? 0;
    seen.set(base, count + 1);
    anchors.add(count === 0 ? base : `${base}-${count}`);
  }
  return anchors;
}

/** The targets of a page's inline links and images, outside code. */
function linkTargets(markdown: string): string[] {
  const prose = withoutFences(markdown).replace(/`[^`\n]*`/g, '');
  return [...prose.matchAll(/!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)].map(([, target = '']) => target);
}

/** What is wrong with each relative link of `file`: outside the repository, missing, or a missing heading. */
function brokenLinks(file: string, markdown: string): string[] {
  const problems: string[] = [];
  for (const target of linkTargets(markdown)) {
    if (/^[a-z][a-z0-9+.-]*:/i.test(target)) continue; // http:, https:, mailto:: not a file
    const [pathPart = '', fragment] = target.split('#', 2);
    const resolved = pathPart === '' ? path.join(root, file) : path.resolve(root, path.dirname(file), pathPart);
    const inRepo = path.relative(root, resolved);
    if (path.isAbsolute(pathPart) || inRepo.startsWith('..') || path.isAbsolute(inRepo)) {
      problems.push(`${file}: ${target} is outside the repository`);
    } else if (!existsSync(resolved)) {
      problems.push(`${file}: ${target} does not exist`);
    } else if (fragment && resolved.endsWith('.md') && statSync(resolved).isFile()) {
      if (!anchorsOf(readFileSync(resolved, 'utf8')).has(fragment)) {
        problems.push(`${file}: ${target} names no heading of ${inRepo}`);
      }
    }
  }
  return problems;
}

describe('the README', () => {
  it('fits a newcomer: at most 260 lines', () => {
    const text = read('README.md');
    const lines = text.endsWith('\n') ? text.split('\n').length - 1 : text.split('\n').length;
    expect(lines).toBeLessThanOrEqual(260);
  });
});

describe('docs/configuration.md', () => {
  const named = variablesNamedIn(read('docs/configuration.md'));
  const readByConfig = configVariables();

  it('reads the variables from the config itself', () => {
    // A regex that stopped matching must not make the comparison below pass.
    for (const name of ['TEMPORAL_ADDRESS', 'WORKER_REUSE_V8_CONTEXT', 'PROVIDER_TIMEOUT_MS', 'SECPAID_TOKEN_FILE']) {
      expect(readByConfig).toContain(name);
    }
  });

  it('names every environment variable the config reads', () => {
    expect([...readByConfig].filter((name) => !named.has(name)).sort()).toEqual([]);
  });

  it('names none that the config does not read', () => {
    expect([...named].filter((name) => !readByConfig.has(name)).sort()).toEqual([]);
  });
});

describe('relative links', () => {
  const pages = [
    'README.md',
    ...readdirSync(path.join(root, 'docs'))
      .filter((name) => name.endsWith('.md'))
      .map((name) => `docs/${name}`),
    'src/sandbox/README.md',
    'bench/README.md',
  ];

  it.each(pages)('in %s point at files of this repository', (page) => {
    expect(brokenLinks(page, read(page))).toEqual([]);
  });

  it('are found at all (the checks above are not vacuous)', () => {
    expect(linkTargets(read('README.md'))).toContain('docs/operations.md');
    expect(
      brokenLinks('README.md', '[a](docs/nowhere.md) [b](../shared/x.md) [c](docs/operations.md#nowhere)')
    ).toEqual([
      'README.md: docs/nowhere.md does not exist',
      'README.md: ../shared/x.md is outside the repository',
      'README.md: docs/operations.md#nowhere names no heading of docs/operations.md',
    ]);
  });
});
