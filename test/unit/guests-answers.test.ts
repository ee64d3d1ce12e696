import assert from 'node:assert/strict';
import { checkAnswers, type QuestionRow } from '../../src/domains/guests/answers.js';
import { DashboardSpec } from '../../src/domains/guests/definition.js';
import { DEMO_GUEST_DASHBOARD } from '../../src/domains/guests/demo-dashboards.js';
import { AppError } from '../../src/core/errors.js';

const q = (key: string, response_type: QuestionRow['response_type'], required = true): QuestionRow => ({ id: 1, key, text: `Question ${key}?`, response_type, required, options: [] });

describe('guests answers: agreements (consent questions)', () => {
  const agreement = q('agreement_accepted', 'agreement');

  it('accepts true and refuses false (or anything else) with VALIDATION_FAILED naming the question', () => {
    assert.doesNotThrow(() => checkAnswers([agreement], { agreement_accepted: true }));
    for (const value of [false, 'yes', 1]) {
      assert.throws(
        () => checkAnswers([agreement], { agreement_accepted: value }),
        (err: unknown) => {
          assert.ok(err instanceof AppError);
          assert.equal(err.code, 'VALIDATION_FAILED');
          const issues = (err.details as { issues: { path: string; question: string }[] }).issues;
          assert.deepEqual(issues.map((i) => [i.path, i.question]), [['answers.agreement_accepted', 'agreement_accepted']]);
          return true;
        },
        `agreement answered ${JSON.stringify(value)}`,
      );
    }
  });

  it('still lets a plain yes_no question take false, and lets an agreement be cleared (null)', () => {
    assert.doesNotThrow(() => checkAnswers([q('smokes', 'yes_no')], { smokes: false }));
    assert.doesNotThrow(() => checkAnswers([agreement], { agreement_accepted: null }));
  });

  it("uses an agreement for the demo's host home agreement, and a definition may declare one", () => {
    const spec = DashboardSpec.parse(DEMO_GUEST_DASHBOARD);
    const question = spec.taskGroups.flatMap((g) => g.tasks).flatMap((t) => t.questions).find((x) => x.key === 'agreement_accepted');
    assert.equal(question?.type, 'agreement');
    assert.equal(question?.required, true);
  });

  it('refuses a question key used in two tasks of one dashboard, naming both paths', () => {
    const bad = structuredClone(DEMO_GUEST_DASHBOARD) as any;
    bad.taskGroups[2].tasks[1].questions[0].key = 'phone';
    const r = DashboardSpec.safeParse(bad);
    assert.equal(r.success, false);
    const issue = r.error!.issues.find((i) => i.path.join('.') === 'taskGroups.2.tasks.1.questions.0.key');
    assert.ok(issue, JSON.stringify(r.error!.issues));
    assert.match(issue.message, /phone.*taskGroups\.0\.tasks\.0\.questions\.2/);
  });
});
