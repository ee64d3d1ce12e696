import { ApiError } from '../api.js';
import { h } from '../dom.js';
import { ask, submit, type Ctx } from '../context.js';

export interface ItemRef {
  type: 'document' | 'transfer' | 'inquiry';
  id: number;
  level: number;
  status: string;
  answer?: string | null;
}

/**
 * The buttons for working an item, shown only when the role may run the action
 * behind them: approve / reject (Compliance), answer / close (Service), escalate
 * (both, and admins). Each sends the action; the row shows its outcome, and a
 * refusal (four eyes, level too low) as bureau's message.
 */
export function itemButtons(ctx: Ctx, item: ItemRef, out: HTMLElement): HTMLElement {
  const run = async (button: HTMLButtonElement, action: string, data: Record<string, unknown>, done: string) => {
    out.textContent = '';
    out.className = 'row-outcome';
    const buttons = button.parentElement!.querySelectorAll('button');
    buttons.forEach((b) => (b.disabled = true));
    try {
      const task = await submit(ctx, action, data);
      out.textContent = `#${task.id} ${task.status}…`;
      const row = await ctx.feed.waitFor(task.id);
      if (row.status === 'succeeded') {
        out.textContent = done;
        out.classList.add('ok');
      } else {
        out.textContent = `${row.error?.code ?? row.status}: ${row.error?.message ?? ''}`;
        out.classList.add('error-text');
        buttons.forEach((b) => (b.disabled = false));
      }
    } catch (err) {
      const body = err instanceof ApiError ? err.body : { code: 'INTERNAL', message: String(err) };
      out.textContent = `${body.code}: ${body.message}`;
      out.classList.add('error-text');
      buttons.forEach((b) => (b.disabled = false));
    }
  };
  const btn = (label: string, cls: string, onClick: (b: HTMLButtonElement) => void) => {
    const b = h('button', { type: 'button', class: `small ${cls}`, 'data-do': label.toLowerCase() }, label);
    b.addEventListener('click', () => onClick(b));
    return b;
  };
  const buttons: HTMLButtonElement[] = [];
  const open = !['approved', 'rejected', 'closed'].includes(item.status);
  if (open && item.type !== 'inquiry' && ctx.may(`review_${item.type}`)) {
    buttons.push(btn('Approve', 'approve', (b) => void run(b, `review_${item.type}`, { id: item.id, approved: true }, 'approved')));
    buttons.push(
      btn('Reject', 'reject', (b) =>
        void ask(`Reject ${item.type} #${item.id}`, [{ name: 'reason', label: 'Reason', kind: 'textarea', required: true }], 'Reject').then((v) => {
          if (v) void run(b, `review_${item.type}`, { id: item.id, approved: false, reason: v.reason }, 'rejected');
        }),
      ),
    );
  }
  if (open && item.type === 'inquiry' && ctx.may('respond_inquiry')) {
    buttons.push(
      btn('Answer', 'approve', (b) =>
        void ask(`Answer inquiry #${item.id}`, [{ name: 'answer', label: 'Answer', kind: 'textarea', required: true, value: item.answer ?? '' }], 'Send answer').then((v) => {
          if (v) void run(b, 'respond_inquiry', { id: item.id, answer: v.answer, closed: false }, 'answered');
        }),
      ),
    );
    buttons.push(
      btn('Close', 'reject', (b) =>
        void ask(`Close inquiry #${item.id}`, [{ name: 'answer', label: 'Final answer', kind: 'textarea', required: true, value: item.answer ?? '' }], 'Close inquiry').then((v) => {
          if (v) void run(b, 'respond_inquiry', { id: item.id, answer: v.answer, closed: true }, 'closed');
        }),
      ),
    );
  }
  if (open && item.status !== 'answered' && ctx.may('escalate_task') && item.level < 3) {
    const levels = [item.level + 1, 3].filter((l, i, a) => a.indexOf(l) === i).map(String);
    buttons.push(
      btn('Escalate', 'escalate', (b) =>
        void ask(
          `Escalate ${item.type} #${item.id}`,
          [
            { name: 'level', label: 'New level', kind: 'select', options: levels, value: levels[0] },
            { name: 'reason', label: 'Why', kind: 'textarea', required: true },
          ],
          'Escalate',
        ).then((v) => {
          if (v) void run(b, 'escalate_task', { id: item.id, type: item.type, level: Number(v.level), reason: v.reason }, `escalated to level ${v.level}`);
        }),
      ),
    );
  }
  return h('div', { class: 'row-buttons' }, ...buttons);
}
