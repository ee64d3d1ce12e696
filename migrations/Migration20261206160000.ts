import { Migration } from '@mikro-orm/migrations';

/**
 * Feed entries are numbered after their transaction commits (issue 19: one busy
 * user is not serialised). A task's transaction appends its entries with a
 * negative `seq` (`-nextval('feed_pending_seq')`: committed, not yet numbered,
 * invisible to readers, who ask for `seq > after >= 0`) and takes no lock on
 * the user's counter. After COMMIT, `bureau_number_feed(users)` gives each
 * user's pending entries the next seqs, in the order they were appended, and
 * returns them (with `seq` set in the body) for the live push. It takes a
 * per-user advisory lock, so numberers of one user take turns and each sees
 * what the previous one numbered; users are locked in ascending order, so two
 * numberers never deadlock. One call numbers every pending entry of a user,
 * whoever appended it: under load one numbering carries many commits, which is
 * what lets one user's results commit side by side. Resume still holds: a seq
 * exists only once its entry and every lower seq of that user are committed.
 * `feed_entry_pending` finds entries a crashed process left unnumbered.
 */
export class Migration20261206160000 extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      create sequence feed_pending_seq;
      create index feed_entry_pending on feed_entry (created_at) where seq < 0;
      create function bureau_number_feed(users int[])
        returns table (feed_user int, feed_seq bigint, feed_task bigint, feed_body jsonb)
        language plpgsql as $fn$
      declare
        u int;
        base bigint;
        n bigint;
      begin
        for u in select distinct x from unnest(users) as x where x is not null order by x loop
          -- Nothing pending (another numberer took it): no lock, no write, no WAL flush.
          continue when not exists (select 1 from feed_entry f where f.user_id = u and f.seq < 0);
          perform pg_advisory_xact_lock(1650877796, u);
          -- Each statement below sees what the numberer before this one committed.
          select c.last_seq into base from feed_cursor c where c.user_id = u;
          base := coalesce(base, 0);
          return query
            with p as (
              select f.seq as pending, base + row_number() over (order by f.seq desc) as numbered
              from feed_entry f where f.user_id = u and f.seq < 0
            )
            update feed_entry f set seq = p.numbered, body = jsonb_set(f.body, '{seq}', to_jsonb(p.numbered))
            from p where f.user_id = u and f.seq = p.pending
            returning f.user_id, f.seq, f.task_id, f.body;
          get diagnostics n = row_count;
          if n > 0 then
            insert into feed_cursor as c (user_id, last_seq) values (u, base + n)
              on conflict (user_id) do update set last_seq = excluded.last_seq;
          end if;
        end loop;
      end
      $fn$;
    `);
  }

  override async down(): Promise<void> {
    this.addSql(`
      drop function if exists bureau_number_feed(int[]);
      drop index if exists feed_entry_pending;
      drop sequence if exists feed_pending_seq;
    `);
  }
}
