#include "actors/storage/postgres/list_reader.hpp"

#include <string>
#include <vector>

#include "core/message_page_json.hpp"
#include "core/text_match.hpp"

namespace webhookd::postgres {

namespace {

const std::string row_columns = "message_id, from_msisdn, to_msisdn, ts, text";

// The WHERE clause of a query's filters, its parameters numbered from
// `first` on, and those parameters.
struct filters {
  std::string where;
  std::vector<std::string> values;

  void add(const std::string& condition_before_number, std::string value, int first) {
    where += where.empty() ? " WHERE " : " AND ";
    where += condition_before_number + std::to_string(first + static_cast<int>(values.size()));
    values.push_back(std::move(value));
  }
  std::vector<parameter> with_front(std::vector<std::string>& front) const {
    std::vector<parameter> all;
    for (const auto& f : front) all.emplace_back(f);
    for (const auto& v : values) all.emplace_back(v);
    return all;
  }
};

filters filters_of(const message_query& q, int first) {
  filters f;
  if (q.from) f.add("from_msisdn = $", *q.from, first);
  if (q.since) f.add("ts >= $", *q.since, first);
  // With a sender, the match is tested on that sender's rows only: written
  // so that it cannot use the trigram index, whose posting lists for a
  // common string would cost more than the sender's rows (measured: q+from
  // at 36 req/s with the index in play, 1,278 without).
  if (q.q)
    f.add(q.from ? "(lower(text COLLATE \"C\") || '') LIKE $" : "lower(text COLLATE \"C\") LIKE $",
          contains_pattern(*q.q), first);
  return f;
}

// The columns every page statement returns: the total in every row, then a
// message (all NULL when the page is empty, so the total still arrives).
// Each page is one statement, so `data` and `total` come from one snapshot.
const std::string page_columns = "SELECT total.n, p.message_id, p.from_msisdn, p.to_msisdn, p.ts, p.text FROM total";
const std::string page_order = " ORDER BY p.ts, p.message_id";

std::int64_t write_page(const result& rows, message_page_json& out) {
  if (rows.rows() == 0) throw error(error::kind::statement, {}, "a page statement returned no row");
  for (int i = 0; i < rows.rows(); ++i)
    if (!rows.is_null(i, 1))
      out.add_row(rows.text(i, 1), rows.text(i, 2), rows.text(i, 3), rows.text(i, 4), rows.optional_text(i, 5));
  return rows.integer(0, 0);
}

// No filter but `since` ($1, or NULL): the total is the kept table total, or
// one bounded count inside since's own hour plus the kept counts of the later
// hours of its day and of the later days. The page's first row is found by
// skipping whole buckets: a running sum over those later hours, or, past
// them, over the later days (each read in key order from its table's index,
// so it stops at the bucket holding the offset: one sorted union of both was
// a sort of every day for each request); inside a day, a second running sum
// over its hours; then a walk of the (ts, message_id) index inside one hour.
// An offset below 200 is walked from since (or the start) at once: fewer
// index entries than the steps cost (plain pages: 9.4k -> 12.1k statements/s
// in pgbench on 2M rows; the one-day statement before hours: 14.1k).
// The page is read from the first row's key on, so no skipped row is fetched
// from the heap. (Each running sum is read through LIMIT 1 straight over its
// ordered subquery: with an ORDER BY outside, the planner sorted every day.)
const std::string by_buckets_sql = R"(WITH head AS (
    SELECT count(*) AS n FROM messages
    WHERE $1::text IS NOT NULL AND ts >= $1::text AND ts < left($1::text, 13) || ';'
  ), rest_of_day AS (
    SELECT coalesce(sum(messages), 0)::bigint AS n FROM hour_counts
    WHERE hour > left($1::text, 13) AND hour < left($1::text, 10) || 'U'
  ), total AS (
    SELECT CASE WHEN $1::text IS NULL THEN coalesce((SELECT messages FROM message_totals), 0)
                ELSE h.n + r.n + coalesce((SELECT sum(messages) FROM day_counts WHERE day > left($1::text, 10)), 0)::bigint
           END AS n
    FROM head h, rest_of_day r
  ), bucket AS (
    SELECT d.hour AS k, $3::bigint - h.n - d.before AS rest FROM head h, LATERAL (
      SELECT w.hour, w.upto - w.messages AS before FROM (
        SELECT hour, messages, sum(messages) OVER (ORDER BY hour) AS upto FROM hour_counts
        WHERE hour > left($1::text, 13) AND hour < left($1::text, 10) || 'U' ORDER BY hour) w
      WHERE w.upto > $3::bigint - h.n LIMIT 1) d
    WHERE $3::bigint >= h.n AND $3::bigint >= 200
    UNION ALL
    SELECT d.day, $3::bigint - h.n - r.n - d.before FROM head h, rest_of_day r, LATERAL (
      SELECT w.day, w.upto - w.messages AS before FROM (
        SELECT day, messages, sum(messages) OVER (ORDER BY day) AS upto FROM day_counts
        WHERE day > coalesce(left($1::text, 10), '') ORDER BY day) w
      WHERE w.upto > $3::bigint - h.n - r.n LIMIT 1) d
    WHERE $3::bigint >= h.n + r.n AND $3::bigint >= 200
  ), target AS (
    SELECT coalesce($1::text, '') AS lower, $3::bigint AS skip FROM head h WHERE $3::bigint < h.n OR $3::bigint < 200
    UNION ALL
    SELECT coalesce(x.hour, b.k) || ':', b.rest - coalesce(x.before, 0) FROM bucket b LEFT JOIN LATERAL (
      SELECT w.hour, w.upto - w.messages AS before FROM (
        SELECT hour, messages, sum(messages) OVER (ORDER BY hour) AS upto FROM hour_counts
        WHERE hour > b.k || 'T' AND hour < b.k || 'U' ORDER BY hour) w
      WHERE w.upto > b.rest LIMIT 1) x ON length(b.k) = 10
  ), first_row AS (
    SELECT k.ts, k.message_id FROM target t, LATERAL (
      SELECT ts, message_id FROM messages WHERE ts >= t.lower ORDER BY ts, message_id OFFSET t.skip LIMIT 1) k
  ))" + page_columns + R"( LEFT JOIN LATERAL (
    SELECT m.* FROM first_row f, LATERAL (
      SELECT )" + row_columns + R"( FROM messages
      WHERE (ts, message_id) >= (f.ts, f.message_id) ORDER BY ts, message_id LIMIT $2::integer) m
  ) p ON true)" + page_order;

std::int64_t list_by_buckets(connection& db, const message_query& q, message_page_json& out, const stop_check& stop) {
  const std::string limit = std::to_string(q.limit);
  const std::string offset = std::to_string(q.offset);
  const parameter since = q.since ? parameter{*q.since} : std::nullopt;
  return write_page(db.exec_prepared(by_buckets_sql, {since, limit, offset}, stop), out);
}

// `from` or `q` among the filters (so `f.where` is never empty): the indexes
// serve them directly; a sender's total alone comes from its kept count.
std::int64_t list_filtered(connection& db, const message_query& q, message_page_json& out, const stop_check& stop) {
  std::vector<std::string> front{std::to_string(q.limit), std::to_string(q.offset)};
  const filters f = filters_of(q, 3);
  const std::string total =
    q.from && !q.since && !q.q
      ? "WITH total AS (SELECT coalesce((SELECT messages FROM sender_counts WHERE from_msisdn = $3), 0) AS n)"
      : "WITH total AS (SELECT count(*) AS n FROM messages" + f.where + ")";
  const std::string sql = total + page_columns + " LEFT JOIN LATERAL (SELECT " + row_columns + " FROM messages" +
                          f.where +
                          " AND $2::bigint < total.n ORDER BY ts, message_id LIMIT $1::integer OFFSET $2::bigint) p ON true" +
                          page_order;
  // A search is not prepared: its lane plans it for its own pattern
  // (query_actor.hpp), and the planning is small beside the search.
  if (q.q) return write_page(db.exec(sql, f.with_front(front), stop), out);
  return write_page(db.exec_prepared(sql, f.with_front(front), stop), out);
}

}  // namespace

std::string contains_pattern(std::string_view needle) {
  std::string pattern = "%";
  for (char c : needle) {
    if (c == '%' || c == '_' || c == '\\') pattern.push_back('\\');
    pattern.push_back(fold_ascii(c));
  }
  pattern.push_back('%');
  return pattern;
}

rendered_page list_messages(connection& db, const message_query& q, const stop_check& stop) {
  message_page_json out{page_buffers().take()};
  rendered_page answer;
  answer.total = q.from || q.q ? list_filtered(db, q, out, stop) : list_by_buckets(db, q, out, stop);
  answer.json = pooled_string{out.finish(answer.total, q.limit, q.offset), &page_buffers()};
  return answer;
}

stats_snapshot read_stats(connection& db, const stop_check& stop) {
  // One statement (one snapshot): the totals in every row, beside the top ten.
  auto rows = db.exec_prepared(
    "SELECT t.messages, t.senders, t.first_ts, t.last_ts, s.from_msisdn, s.messages FROM message_totals t "
    "LEFT JOIN LATERAL (SELECT from_msisdn, messages FROM sender_counts "
    "ORDER BY messages DESC, from_msisdn LIMIT 10) s ON true ORDER BY s.messages DESC, s.from_msisdn",
    {}, stop);
  stats_snapshot stats;
  if (rows.rows() == 0) return stats;
  stats.total_messages = rows.integer(0, 0);
  stats.senders_count = rows.integer(0, 1);
  if (auto first = rows.optional_text(0, 2)) stats.first_message_ts = std::string(*first);
  if (auto last = rows.optional_text(0, 3)) stats.last_message_ts = std::string(*last);
  for (int i = 0; i < rows.rows(); ++i)
    if (!rows.is_null(i, 4)) stats.messages_per_sender.push_back({std::string(rows.text(i, 4)), rows.integer(i, 5)});
  return stats;
}

}  // namespace webhookd::postgres
