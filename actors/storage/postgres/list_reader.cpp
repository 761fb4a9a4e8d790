#include "actors/storage/postgres/list_reader.hpp"

#include <string>
#include <vector>

#include "core/message_page_json.hpp"
#include "core/text_match.hpp"

namespace webhookd::postgres {

namespace {

const std::string columns = "SELECT message_id, from_msisdn, to_msisdn, ts, text FROM messages";
const std::string order_and_window = " ORDER BY ts, message_id LIMIT $1 OFFSET $2";

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
  if (q.q) f.add("lower(text COLLATE \"C\") LIKE $", contains_pattern(*q.q), first);
  return f;
}

// Renders a page's rows (columns in `columns`' order).
void write_rows(const result& rows, message_page_json& out) {
  for (int i = 0; i < rows.rows(); ++i)
    out.add_row(rows.text(i, 0), rows.text(i, 1), rows.text(i, 2), rows.text(i, 3), rows.optional_text(i, 4));
}

// Rows of the table from `start` (a ts lower bound; none: the first row) on,
// skipping `skip`, at most `limit`.
result page_from(connection& db, const std::optional<std::string>& start, int limit, std::int64_t skip,
                 const stop_check& stop) {
  std::vector<std::string> front{std::to_string(limit), std::to_string(skip)};
  filters f;
  if (start) f.add("ts >= $", *start, 3);
  return db.exec(columns + f.where + order_and_window, f.with_front(front), stop);
}

// No filter but `since`: days (their counts kept per batch) are skipped whole.
std::int64_t list_by_days(connection& db, const message_query& q, message_page_json& out, const stop_check& stop) {
  std::int64_t head = 0;  // rows of since's own day at or after since
  std::vector<std::string> since_day;
  if (q.since) {
    const std::string day = q.since->substr(0, 10);
    // Every ts of day D starts with "DT"; "DU" sorts after all of them and
    // before the next day's.
    auto counted = db.exec("SELECT count(*) FROM messages WHERE ts >= $1 AND ts < $2",
                           {std::string_view{*q.since}, day + "U"}, stop);
    head = counted.integer(0, 0);
    since_day.push_back(day);
  }
  auto days = q.since ? db.exec("SELECT day, messages FROM day_counts WHERE day > $1 ORDER BY day",
                                {std::string_view{since_day.front()}}, stop)
                      : db.exec("SELECT day, messages FROM day_counts ORDER BY day", {}, stop);
  std::int64_t total = head;
  for (int i = 0; i < days.rows(); ++i) total += days.integer(i, 1);
  if (q.offset >= total) return total;
  if (q.offset < head) {
    write_rows(page_from(db, q.since, q.limit, q.offset, stop), out);
    return total;
  }
  std::int64_t skip = q.offset - head;
  for (int i = 0; i < days.rows(); ++i) {
    const std::int64_t in_day = days.integer(i, 1);
    if (skip < in_day) {
      write_rows(page_from(db, std::string(days.text(i, 0)) + "T", q.limit, skip, stop), out);
      break;
    }
    skip -= in_day;
  }
  return total;
}

// `from` or `q` among the filters: the indexes serve them directly.
std::int64_t list_filtered(connection& db, const message_query& q, message_page_json& out, const stop_check& stop) {
  std::int64_t total = 0;
  if (q.from && !q.since && !q.q) {
    auto counted = db.exec("SELECT messages FROM sender_counts WHERE from_msisdn = $1", {std::string_view{*q.from}},
                           stop);
    total = counted.rows() > 0 ? counted.integer(0, 0) : 0;
  } else {
    std::vector<std::string> none;
    const filters f = filters_of(q, 1);
    total = db.exec("SELECT count(*) FROM messages" + f.where, f.with_front(none), stop).integer(0, 0);
  }
  if (q.offset >= total) return total;
  std::vector<std::string> front{std::to_string(q.limit), std::to_string(q.offset)};
  const filters f = filters_of(q, 3);
  write_rows(db.exec(columns + f.where + order_and_window, f.with_front(front), stop), out);
  return total;
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
  answer.total = q.from || q.q ? list_filtered(db, q, out, stop) : list_by_days(db, q, out, stop);
  answer.json = pooled_string{out.finish(answer.total, q.limit, q.offset), &page_buffers()};
  return answer;
}

stats_snapshot read_stats(connection& db, const stop_check& stop) {
  auto totals = db.exec("SELECT messages, senders, first_ts, last_ts FROM message_totals", {}, stop);
  stats_snapshot stats;
  if (totals.rows() > 0) {
    stats.total_messages = totals.integer(0, 0);
    stats.senders_count = totals.integer(0, 1);
    if (auto first = totals.optional_text(0, 2)) stats.first_message_ts = std::string(*first);
    if (auto last = totals.optional_text(0, 3)) stats.last_message_ts = std::string(*last);
  }
  auto top = db.exec("SELECT from_msisdn, messages FROM sender_counts ORDER BY messages DESC, from_msisdn LIMIT 10",
                     {}, stop);
  for (int i = 0; i < top.rows(); ++i) stats.messages_per_sender.push_back({std::string(top.text(i, 0)), top.integer(i, 1)});
  return stats;
}

}  // namespace webhookd::postgres
