import path from 'node:path';
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const ROOT = import.meta.dirname;

/** The libraries that talk to the outside world: only `src/infra/` (and the doors) import them. */
const IO_LIBRARIES = ['pg', 'ioredis', 'bullmq', 'ws', 'nodemailer'];

/** Another domain's `actions/` (its own are fine): domains meet through services, entities and enqueued actions. */
const anotherDomainsActions = {
  label: "another domain's actions/",
  test: (target, file) => {
    const m = /^src\/domains\/([^/]+)\/actions\//.exec(target);
    return m !== null && !file.startsWith(`src/domains/${m[1]}/`);
  },
};

/**
 * Which way imports run (STYLE.md "Which way imports run", docs/architecture.md):
 * each entry names files and what they may not import. Relative imports are
 * resolved from the importing file, so every spelling of a path is caught; a
 * bare name is a package. `*` is one path segment, `**` any depth, and file
 * extensions are ignored (`src/domains.ts` is `../domains.js`). Type-only
 * imports count too: a type from an adapter still ties the layer to it.
 */
export const BOUNDARIES = [
  {
    files: ['src/core/**'],
    forbid: ['src/infra/**', 'src/http/**', 'src/realtime/**', 'src/pipeline/**', 'src/domains/**', 'src/domains.ts', ...IO_LIBRARIES, 'koa', '@koa/*'],
    why: 'core/ takes what it runs from a registry: it names no domain, door or adapter, and does no I/O',
  },
  {
    files: ['src/domains/**'],
    forbid: ['src/infra/**', 'src/http/**', 'src/realtime/**', 'src/pipeline/**', 'src/domains.ts', 'src/runtime.ts', ...IO_LIBRARIES, anotherDomainsActions],
    why: 'a domain gets the database, clock, mail, queue and notices through ctx (core/context.ts), and reaches another domain through its service, entities or an enqueued action',
  },
  {
    files: ['src/**'],
    except: ['src/realtime/**', 'src/client/**'],
    forbid: ['ws'],
    why: 'websockets are spoken by the realtime gateway and the client code only',
  },
];

const withoutExtension = (p) => p.replace(/\.(?:[cm]?[jt]s|tsx?)$/, '');
const globRegExp = (pattern) =>
  new RegExp(
    `^${withoutExtension(pattern)
      .split('/')
      .map((seg) => (seg === '**' ? '.*' : seg.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[^/]*')))
      .join('/')}$`,
  );
const compiled = BOUNDARIES.map((b) => ({
  ...b,
  files: b.files.map(globRegExp),
  except: (b.except ?? []).map(globRegExp),
  forbid: b.forbid.map((f) => (typeof f === 'string' ? { label: f, test: (target) => globRegExp(f).test(target) } : f)),
}));

/** `../infra/db.js` from `src/core/context.ts` -> `src/infra/db`; `@koa/router/x` -> `@koa/router`. */
function importTarget(specifier, fromFile) {
  if (specifier.startsWith('.')) return withoutExtension(path.relative(ROOT, path.resolve(path.dirname(fromFile), specifier)).split(path.sep).join('/'));
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
}

const boundariesRule = {
  meta: { type: 'problem', schema: [], docs: { description: 'Imports run the way docs/architecture.md says (BOUNDARIES in eslint.config.js).' } },
  create(context) {
    const file = path.relative(ROOT, context.filename).split(path.sep).join('/');
    const rules = compiled.filter((b) => b.files.some((re) => re.test(file)) && !b.except.some((re) => re.test(file)));
    if (!rules.length) return {};
    const check = (source) => {
      if (source?.type !== 'Literal' || typeof source.value !== 'string') return;
      const target = importTarget(source.value, context.filename);
      for (const b of rules) {
        const hit = b.forbid.find((f) => f.test(target, file));
        if (hit) context.report({ node: source, message: `'${source.value}' is out of bounds here (${hit.label}): ${b.why}.` });
      }
    };
    return {
      ImportDeclaration: (node) => check(node.source),
      ExportNamedDeclaration: (node) => check(node.source),
      ExportAllDeclaration: (node) => check(node.source),
      ImportExpression: (node) => check(node.source),
      TSImportEqualsDeclaration: (node) => check(node.moduleReference.expression),
      // `type X = import('../infra/db.js').Y`
      TSImportType: (node) => check(node.argument?.literal ?? node.argument),
    };
  },
};

export default tseslint.config(
  { ignores: ['node_modules/', '.data/', 'docs/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: false }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    files: ['src/**/*.ts'],
    plugins: { bureau: { rules: { boundaries: boundariesRule } } },
    rules: { 'bureau/boundaries': 'error' },
  },
  {
    // Plain scripts served to browsers as they are (the invitation accept page).
    files: ['src/http/invitation-assets/**/*.js'],
    languageOptions: { globals: { document: 'readonly', FormData: 'readonly', fetch: 'readonly', sessionStorage: 'readonly', location: 'readonly' } },
  },
  {
    files: ['test/**/*.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
);
