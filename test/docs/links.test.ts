// Every relative link and #anchor in the documents people read resolves: to a file or folder of
// the repository and, with an anchor, to a heading of that Markdown file as GitHub names it. Text
// moves between README.md and docs/, and a link left pointing at the old place is caught here.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const DOCUMENTS = ['README.md', 'SECURITY.md', 'CHANGELOG.md', ...readdirSync(join(ROOT, 'docs')).filter((name) => name.endsWith('.md')).map((name) => `docs/${name}`)];

/** The Markdown outside fenced code blocks and inline code, where links and headings are. */
function prose(markdown: string): string {
  return markdown.replace(/^(```|~~~)[^\n]*\n[\s\S]*?^\1[^\n]*$/gm, '').replace(/`[^`\n]*`/g, (code) => code.replace(/[[\]()]/g, ' '));
}

/** The targets of inline links and images, `[text](target)` and `![alt](target)`. */
function linkTargets(markdown: string): string[] {
  return [...prose(markdown).matchAll(/\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)].map((match) => match[1]!);
}

/** A heading's anchor as GitHub makes it: its text lower-cased, punctuation dropped, spaces as hyphens. */
function slug(heading: string): string {
  const text = heading
    .replace(/!?\[([^\]]*)\]\([^)]*\)/g, '$1')
    .replace(/`/g, '')
    .trim();
  return text.toLowerCase().replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, '').replace(/ /g, '-');
}

/** The anchors of a Markdown file's headings; a repeated one gets -1, -2 … as on GitHub. */
function anchors(markdown: string): Set<string> {
  const seen = new Map<string, number>();
  const found = new Set<string>();
  const withoutFences = markdown.replace(/^(```|~~~)[^\n]*\n[\s\S]*?^\1[^\n]*$/gm, '');
  for (const match of withoutFences.matchAll(/^#{1,6}[ \t]+(.+?)[ \t#]*$/gm)) {
    const base = slug(match[1]!);
    const count = seen.get(base) ?? 0;
    seen.set(base, count + 1);
    found.add(count === 0 ? base : `${base}-${count}`);
  }
  return found;
}

/** What is wrong with one document's relative links, one line each; empty when all resolve. */
function brokenLinks(document: string, markdown: string, readFile: (path: string) => string | undefined): string[] {
  const broken: string[] = [];
  for (const target of linkTargets(markdown)) {
    if (/^[a-z][a-z0-9+.-]*:/i.test(target)) continue;
    const hash = target.indexOf('#');
    const path = decodeURIComponent(hash === -1 ? target : target.slice(0, hash));
    const anchor = hash === -1 ? undefined : decodeURIComponent(target.slice(hash + 1));
    const file = path === '' ? document : relative(ROOT, join(ROOT, dirname(document), path)) || '.';
    const text = path === '' ? markdown : readFile(file);
    if (text === undefined) {
      broken.push(`${document}: ${target} — no file or folder ${file}`);
      continue;
    }
    if (anchor === undefined || anchor === '') continue;
    if (!file.endsWith('.md')) broken.push(`${document}: ${target} — an anchor into ${file}, which is not Markdown`);
    else if (!anchors(text).has(anchor)) broken.push(`${document}: ${target} — ${file} has no heading #${anchor}`);
  }
  return broken;
}

/** A repository file's text, '' for a folder or a file that is not Markdown, undefined when absent. */
function repositoryFile(path: string): string | undefined {
  const full = join(ROOT, path);
  if (!existsSync(full)) return undefined;
  return path.endsWith('.md') ? readFileSync(full, 'utf8') : '';
}

describe('links in the documents', () => {
  it.each(DOCUMENTS)('%s: every relative link and anchor resolves', (document) => {
    expect(existsSync(join(ROOT, document)), `${document} exists`).toBe(true);
    expect(brokenLinks(document, readFileSync(join(ROOT, document), 'utf8'), repositoryFile)).toEqual([]);
  });
});

describe('the link check itself', () => {
  const files: Record<string, string> = {
    'docs/guide.md': '# Guide\n\n## TLS proxy, `TRUST_PROXY` and `ISSUER`\n\n## The phone: the web authenticator at /app\n\n## Notes\n\n## Notes\n',
    'docs/images/a.png': '',
  };
  const read = (path: string) => files[path];

  it('names GitHub anchors as GitHub does: code kept, punctuation dropped, repeats numbered', () => {
    expect([...anchors(files['docs/guide.md']!)]).toEqual(['guide', 'tls-proxy-trust_proxy-and-issuer', 'the-phone-the-web-authenticator-at-app', 'notes', 'notes-1']);
  });

  it('accepts links that resolve, relative to the linking file', () => {
    const markdown = '[a](#guide) [b](#notes-1) ![c](images/a.png) [d](../docs/guide.md#tls-proxy-trust_proxy-and-issuer) [e](https://example.com/#x)';
    expect(brokenLinks('docs/guide.md', `# Guide\n## Notes\n## Notes\n${markdown}`, read)).toEqual([]);
  });

  it('reports a missing file, a missing heading and an anchor into a file that is not Markdown', () => {
    const markdown = '[a](docs/gone.md) [b](docs/guide.md#performance-choices) [c](#nowhere) [d](docs/images/a.png#x)';
    expect(brokenLinks('README.md', `# Top\n${markdown}`, read)).toEqual([
      'README.md: docs/gone.md — no file or folder docs/gone.md',
      'README.md: docs/guide.md#performance-choices — docs/guide.md has no heading #performance-choices',
      'README.md: #nowhere — README.md has no heading #nowhere',
      'README.md: docs/images/a.png#x — an anchor into docs/images/a.png, which is not Markdown',
    ]);
  });

  it('ignores links inside code', () => {
    expect(brokenLinks('README.md', '# Top\n`[a](#nowhere)`\n```md\n[b](gone.md)\n```\n', read)).toEqual([]);
  });
});
