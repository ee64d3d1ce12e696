import { Migration } from '@mikro-orm/migrations';

/**
 * `bureau_number_feed(users)` numbers every user of a call in ONE statement
 * instead of a loop of five statements per user (its server time was about
 * 1.5 ms per call at 64 lanes, 0.17 ms per action: docs/benchmarks.md, fix 23).
 * What it promises is unchanged (see Migration20261206160000): users with
 * nothing pending are neither locked nor written; the others are locked in
 * ascending order with the same per-user advisory lock, all of them before the
 * numbering statement, whose snapshot is taken after the last lock and so sees
 * what each user's previous numberer committed; each user's pending entries get
 * the next seqs in the order they were appended. The cursor is set from the
 * entries actually numbered, so a seq is never handed out twice.
 */
export class Migration20261207110000 extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      create or replace function bureau_number_feed(users int[])
        returns table (feed_user int, feed_seq bigint, feed_task bigint, feed_body jsonb)
        language plpgsql as $fn$
      declare
        pending int[];
        u int;
      begin
        -- Nothing pending (another numberer took it): no lock, no write, no WAL flush.
        select array_agg(s.x order by s.x) into pending
          from (select distinct x from unnest(users) as x where x is not null) s
         where exists (select 1 from feed_entry f where f.user_id = s.x and f.seq < 0);
        if pending is null then
          return;
        end if;
        foreach u in array pending loop
          perform pg_advisory_xact_lock(1650877796, u);
        end loop;
        -- One statement for every locked user; its snapshot is taken after the locks.
        return query
          with p as (
            select f.user_id, f.seq as pending_seq,
                   coalesce(c.last_seq, 0) + row_number() over (partition by f.user_id order by f.seq desc) as numbered
              from feed_entry f left join feed_cursor c on c.user_id = f.user_id
             where f.user_id = any(pending) and f.seq < 0
          ), moved as (
            update feed_entry f set seq = p.numbered, body = jsonb_set(f.body, '{seq}', to_jsonb(p.numbered))
              from p where f.user_id = p.user_id and f.seq = p.pending_seq
            returning f.user_id, f.seq, f.task_id, f.body
          ), counted as (
            insert into feed_cursor as c (user_id, last_seq)
            select m.user_id, max(m.seq) from moved m group by m.user_id
            on conflict (user_id) do update set last_seq = excluded.last_seq
          )
          select m.user_id, m.seq, m.task_id, m.body from moved m;
      end
      $fn$;
    `);
  }

  override async down(): Promise<void> {
    // The loop of Migration20261206160000, as it was.
    this.addSql(`
      create or replace function bureau_number_feed(users int[])
        returns table (feed_user int, feed_seq bigint, feed_task bigint, feed_body jsonb)
        language plpgsql as $fn$
      declare
        u int;
        base bigint;
        n bigint;
      begin
        for u in select distinct x from unnest(users) as x where x is not null order by x loop
          continue when not exists (select 1 from feed_entry f where f.user_id = u and f.seq < 0);
          perform pg_advisory_xact_lock(1650877796, u);
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
}
