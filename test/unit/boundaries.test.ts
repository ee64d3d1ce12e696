import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ESLint } from 'eslint';
import ts from 'typescript';
import tseslint from 'typescript-eslint';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/**
 * `npm run lint`'s own config (eslint.config.js), on code that exists only in
 * this test: each snippet is linted as if it were the file named. The boundary
 * rule needs no type information, so the type-checked rules are off here (the
 * project service only knows files on disk).
 */
const eslint = new ESLint({ cwd: ROOT, overrideConfig: [{ files: ['**/*.ts'], ...tseslint.configs.disableTypeChecked }] });

async function boundaryErrors(file: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: path.join(ROOT, file) });
  const fatal = result!.messages.filter((m) => m.fatal);
  assert.deepEqual(fatal, [], `${file} did not parse`);
  return result!.messages.filter((m) => m.ruleId === 'bureau/boundaries').map((m) => m.message);
}

// Paths of files that do not exist: a probe domain and a probe core module.
const CORE = 'src/core/lint-probe.ts';
const DOMAIN = 'src/domains/lint-probe/rules.ts';
const DOMAIN_ACTION = 'src/domains/lint-probe/actions/do-thing.ts';

const OUT_OF_BOUNDS: [file: string, code: string][] = [
  [CORE, `import { sql } from '../infra/db.js';`],
  [CORE, `import type { OutgoingMail } from '../infra/mailer.js';`],
  [CORE, `import { api } from '../http/api.js';`],
  [CORE, `import { Gateway } from '../realtime/gateway.js';`],
  [CORE, `import { taskSql } from '../pipeline/task-sql.js';`],
  [CORE, `import { Accounts } from '../domains/accounts/service.js';`],
  [CORE, `import { domains } from '../domains.js';`],
  [CORE, `import pg from 'pg';`],
  [CORE, `import { Queue } from 'bullmq';`],
  [CORE, `import Koa from 'koa';`],
  [CORE, `import Router from '@koa/router';`],
  [DOMAIN, `import { sql } from '../../infra/db.js';`],
  [DOMAIN, `import { taskSql } from '../../pipeline/task-sql.js';`],
  [DOMAIN, `import { api } from '../../http/api.js';`],
  [DOMAIN, `export { Gateway } from '../../realtime/gateway.js';`],
  [DOMAIN, `import { domains } from '../../domains.js';`],
  [DOMAIN, `import { Runtime } from '../../runtime.js';`],
  [DOMAIN, `import Redis from 'ioredis';`],
  [DOMAIN, `import nodemailer from 'nodemailer';`],
  [DOMAIN, `import { Client } from 'pg';`],
  [DOMAIN, `import { reinvite } from '../invitations/actions/reinvite.js';`],
  [DOMAIN_ACTION, `import { sql } from '../../../infra/db.js';`],
  [DOMAIN_ACTION, `export async function f() { return import('../../../pipeline/effects.js'); }`],
  [DOMAIN_ACTION, `export type Sql = typeof import('../../../infra/db.js').sql;`],
  [DOMAIN_ACTION, `export * from '../../invitations/actions/reinvite.js';`],
  ['src/http/lint-probe.ts', `import WebSocket from 'ws';`],
  ['src/sequence/lint-probe.ts', `import { WebSocket } from 'ws';`],
];

const IN_BOUNDS: [file: string, code: string][] = [
  [CORE, `import { AppError } from './errors.js';\nimport type { Db } from './context.js';\nimport type { EntityManager } from '@mikro-orm/core';`],
  [DOMAIN, `import { defineMachine } from '../../core/state-machine.js';\nimport { LockMode } from '@mikro-orm/core';\nimport { z } from 'zod';`],
  [DOMAIN, `import { accountsFor } from '../accounts/service.js';\nimport { User } from '../accounts/entities.js';\nimport { recordEvents } from '../audit/record.js';`],
  [DOMAIN, `import { doThing } from './actions/do-thing.js';`],
  [DOMAIN_ACTION, `import { other } from './other.js';\nimport { rules } from '../rules.js';\nimport { Id } from '../../backoffice/schemas.js';`],
  ['src/realtime/lint-probe.ts', `import { WebSocketServer } from 'ws';`],
  ['src/client/lint-probe.ts', `import WebSocket from 'ws';`],
  ['src/pipeline/lint-probe.ts', `import { sql } from '../infra/db.js';\nimport { Queue } from 'bullmq';\nimport { recordEvents } from '../domains/audit/record.js';`],
];

describe('import boundaries (npm run lint)', function () {
  this.timeout(60_000);

  for (const [file, code] of OUT_OF_BOUNDS) {
    it(`refuses \`${code.split('\n')[0]}\` in ${file}`, async () => {
      const errors = await boundaryErrors(file, code);
      assert.equal(errors.length, 1, `expected one boundary error, got ${JSON.stringify(errors)}`);
    });
  }

  for (const [file, code] of IN_BOUNDS) {
    it(`allows ${code.split('\n').length} import(s) in ${file}: ${code.split('\n')[0]}`, async () => {
      assert.deepEqual(await boundaryErrors(file, code), []);
    });
  }

  it('makes eslint exit non-zero on a planted import (the rule is an error, not a warning)', async () => {
    const [result] = await eslint.lintText(`import { sql } from '../../infra/db.js';\nexport const q = sql;\n`, { filePath: path.join(ROOT, DOMAIN) });
    assert.ok(result!.errorCount > 0);
  });
});

// ---------------------------------------------------------------------------
// Statuses move only through machines.

interface StatusWrite {
  line: number;
  kind: 'assignment' | 'sql' | 'orm';
  text: string;
}

/**
 * Places in a source text that write a `status`, found in its syntax tree (so
 * comments and comparisons do not count): a property assignment
 * (`x.status = ...`, `x['status'] ??= ...`); the SET list of an SQL update or
 * upsert, in any string or template literal, that names `status`; and an ORM
 * update (`nativeUpdate`/`assign`) given an object with `status`.
 */
function statusWrites(source: string): StatusWrite[] {
  const sf = ts.createSourceFile('probe.ts', source, ts.ScriptTarget.Latest, true);
  const found: StatusWrite[] = [];
  const at = (node: ts.Node, kind: StatusWrite['kind'], text: string) => found.push({ line: sf.getLineAndCharacterOfPosition(node.getStart(sf)).line + 1, kind, text });
  const isStatus = (e: ts.Expression) =>
    (ts.isPropertyAccessExpression(e) && e.name.text === 'status') || (ts.isElementAccessExpression(e) && ts.isStringLiteralLike(e.argumentExpression) && e.argumentExpression.text === 'status');
  const visit = (node: ts.Node): void => {
    if (ts.isBinaryExpression(node) && node.operatorToken.kind >= ts.SyntaxKind.FirstAssignment && node.operatorToken.kind <= ts.SyntaxKind.LastAssignment && isStatus(node.left)) {
      at(node, 'assignment', node.left.getText(sf));
    } else if (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node) || ts.isTemplateExpression(node)) {
      for (const m of node.getText(sf).matchAll(SET_LIST)) {
        const assigned = /(?:^|[\s,(."])status"?\s*=\s*(\S+)/i.exec(m[1]!);
        if (assigned) at(node, 'sql', `status = ${assigned[1]!.replace(/,$/, '')}`);
      }
    } else if (ts.isCallExpression(node) && /(?:^|\.)(?:nativeUpdate|assign)$/.test(node.expression.getText(sf))) {
      const hasStatus = node.arguments.some((a) => ts.isObjectLiteralExpression(a) && a.properties.some((p) => p.name && ts.isIdentifier(p.name) && p.name.text === 'status'));
      if (hasStatus) at(node, 'orm', node.expression.getText(sf));
    }
    if (!ts.isTemplateExpression(node)) ts.forEachChild(node, visit);
  };
  visit(sf);
  return found;
}

/** The SET list of `update <table> [alias] set ...` or `... do update set ...`, up to its where/returning/from. */
const SET_LIST = /\b(?:update\s+(?:only\s+)?[\w."]+(?:\s+(?:as\s+)?(?!set\b)\w+)?|do\s+update)\s+set\s+([\s\S]*?)(?=\bwhere\b|\breturning\b|\bfrom\b|`|$)/gi;

/**
 * The writers allowed to set a status, each for a reason. An SQL writer must
 * take the new status from a machine (a parameter or an interpolation holding
 * what `fire()`, `machine.next()` or `taskSql` gave it): a quoted status in a
 * SET list is refused even here. Every entry must still match something.
 */
const MACHINE_WRITERS: { file: string; kind: StatusWrite['kind']; match?: RegExp; why: string }[] = [
  { file: 'src/core/state-machine.ts', kind: 'assignment', why: 'fire() itself: the one place a status is assigned' },
  { file: 'src/domains/invitations/links.ts', kind: 'sql', why: 'writes the status fire(invitationMachine) just set on the locked row' },
  { file: 'src/domains/accounts/service.ts', kind: 'sql', why: 'writes the status fire(userMachine) just set on the locked user' },
  { file: 'src/domains/guests/demo.ts', kind: 'sql', why: 'writes the status the demo row reached through fire(guestTaskMachine / taskGroupMachine)' },
  { file: 'src/pipeline/finish-statements.ts', kind: 'sql', why: 'taskSql[event].to: the status the task machine declares for the event' },
  { file: 'src/pipeline/run-task.ts', kind: 'sql', why: 'taskSql.retry.to: the status the task machine declares for a retry' },
  // Not a stored status: what koa answers with, and the browser console's copy of a task the feed told it about.
  { file: 'src/http/', kind: 'assignment', match: /^ctx\.status$/, why: "koa's HTTP response status" },
  { file: 'src/console/feed.ts', kind: 'assignment', why: 'the browser view of a task row, updated from a feed message' },
];

function refusedWrites(file: string, source: string): string[] {
  const refused: string[] = [];
  for (const w of statusWrites(source)) {
    const allowed = MACHINE_WRITERS.some((a) => file.startsWith(a.file) && a.kind === w.kind && (!a.match || a.match.test(w.text)));
    const quoted = w.kind === 'sql' && /^status = '/.test(w.text);
    if (!allowed || quoted) refused.push(`${file}:${w.line} ${w.text}`);
  }
  return refused;
}

const sources = () =>
  (readdirSync(path.join(ROOT, 'src'), { recursive: true }) as string[])
    .filter((f) => f.endsWith('.ts'))
    .map((f) => `src/${f.split(path.sep).join('/')}`)
    .sort();

describe('statuses move only through machines', () => {
  it('finds no status written outside a machine-owned writer in src/', () => {
    const refused = sources().flatMap((file) => refusedWrites(file, readFileSync(path.join(ROOT, file), 'utf8')));
    assert.deepEqual(refused, [], 'write the status through fire() (core/state-machine.ts), or from the machine in SQL');
  });

  it('keeps every allow-list entry in use', () => {
    const files = sources();
    for (const a of MACHINE_WRITERS) {
      const used = files.filter((f) => f.startsWith(a.file)).some((f) => statusWrites(readFileSync(path.join(ROOT, f), 'utf8')).some((w) => w.kind === a.kind));
      assert.ok(used, `${a.file} (${a.kind}) no longer writes a status: drop it from MACHINE_WRITERS`);
    }
  });

  it('refuses a planted assignment, SQL update and ORM update in a domain', () => {
    const planted = [
      `export function approve(item: { status: string }) { item.status = 'approved'; }`,
      "await ctx.sql(`update document set level = ?, status = 'approved' where id = ?`, [2, id]);",
      "await ctx.sql(`update invitation i set status = ? where i.id = ?`, [to, id]);",
      "await ctx.sql(`insert into x (id, status) values (?, ?) on conflict (id) do update set status = excluded.status`, [1, 'a']);",
      `await ctx.em.nativeUpdate(Document, { id }, { status: 'approved' });`,
    ];
    for (const code of planted) assert.equal(refusedWrites('src/domains/backoffice/rules.ts', code).length, 1, code);
  });

  it('refuses a quoted status even in an allowed SQL writer', () => {
    assert.equal(refusedWrites('src/domains/invitations/links.ts', "await db.sql(`update invitation set status = 'expired' where id = ?`, [id]);").length, 1);
  });

  it('does not count reads and comparisons as writes', () => {
    const reads = [
      `if (item.status === 'approved' || item.status !== 'x') return;`,
      "await ctx.sql(`select id from app_user where status = 'active'`);",
      "await ctx.sql(`update session set revoked_at = now() where token_hash = ? and status = 'x'`, [h]);",
      `const status = row.status; const body = { status: 'queued' };`,
    ];
    for (const code of reads) assert.deepEqual(refusedWrites('src/domains/backoffice/rules.ts', code), [], code);
  });
});
