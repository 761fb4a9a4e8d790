#include "support/storage_harness.hpp"

#include <stdlib.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <stdexcept>
#include <thread>
#include <tuple>

#include <boost/test/unit_test.hpp>
#include <caf/send.hpp>
#include <nlohmann/json.hpp>

#include "support/postgres_server.hpp"

namespace webhookd::test {

namespace {

std::string ascii_lower(std::string s) {
  for (auto& c : s)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return s;
}

}  // namespace

std::string backend_under_test() {
  const char* chosen = std::getenv("WEBHOOKD_TEST_BACKEND");
  return chosen && *chosen ? chosen : "sqlite";
}

message_page parse_page(const rendered_page& rendered, const message_query& q) {
  const auto body = nlohmann::json::parse(rendered.json.str());
  BOOST_REQUIRE(body.is_object());
  BOOST_TEST(body.size() == 4u);
  BOOST_TEST(body.at("limit").get<int>() == q.limit);
  BOOST_TEST(body.at("offset").get<std::int64_t>() == q.offset);
  message_page page;
  page.total = body.at("total").get<std::int64_t>();
  BOOST_TEST(page.total == rendered.total);
  for (const auto& row : body.at("data")) {
    BOOST_REQUIRE(row.size() == 5u);
    std::optional<std::string> text;
    if (!row.at("text").is_null()) text = row.at("text").get<std::string>();
    page.data.push_back(message_record{row.at("message_id").get<std::string>(), row.at("from").get<std::string>(),
                                       row.at("to").get<std::string>(), row.at("ts").get<std::string>(),
                                       std::move(text)});
  }
  return page;
}

std::vector<std::string> ids_of(const message_page& page) {
  std::vector<std::string> ids;
  for (const auto& r : page.data) ids.push_back(r.message_id);
  return ids;
}

message_record record(std::string id, std::string from, std::string ts, std::optional<std::string> text,
                      std::string to) {
  return message_record{std::move(id), std::move(from), std::move(to), std::move(ts), std::move(text)};
}

message_query make_query(int limit, std::int64_t offset, std::optional<std::string> from,
                         std::optional<std::string> since, std::optional<std::string> q) {
  message_query mq;
  mq.limit = limit;
  mq.offset = offset;
  mq.from = std::move(from);
  mq.since = std::move(since);
  mq.q = std::move(q);
  return mq;
}

std::pair<std::vector<std::string>, std::int64_t> reference_answer(const std::vector<message_record>& all,
                                                                   const message_query& q) {
  std::vector<const message_record*> hits;
  const std::string needle = q.q ? ascii_lower(*q.q) : std::string{};
  for (const auto& r : all) {
    if (q.from && r.from != *q.from) continue;
    if (q.since && r.ts < *q.since) continue;
    if (q.q && (!r.text || ascii_lower(*r.text).find(needle) == std::string::npos)) continue;
    hits.push_back(&r);
  }
  std::sort(hits.begin(), hits.end(), [](const message_record* a, const message_record* b) {
    return std::tie(a->ts, a->message_id) < std::tie(b->ts, b->message_id);
  });
  std::vector<std::string> ids;
  for (std::int64_t i = q.offset; i < static_cast<std::int64_t>(hits.size()) && i < q.offset + q.limit; ++i)
    ids.push_back(hits[static_cast<std::size_t>(i)]->message_id);
  return {ids, static_cast<std::int64_t>(hits.size())};
}

storage_harness::storage_harness(const std::string& database_relative, const std::string& postgres_url) {
  const auto backend = backend_under_test();
  if (backend == "postgres")
    database_url_ = postgres_url.empty() ? postgres_server::shared().create_database() : postgres_url;
  else if (backend != "sqlite")
    throw std::runtime_error("unknown WEBHOOKD_TEST_BACKEND " + backend);
  char pattern[] = "/tmp/webhookd-storage-XXXXXX";
  const char* made = ::mkdtemp(pattern);
  if (made == nullptr) throw std::runtime_error("mkdtemp failed");
  dir_ = made;
  database_path_ = dir_ + "/" + database_relative;
}

storage_harness::~storage_harness() {
  stop();
  std::error_code ec;
  std::filesystem::remove_all(dir_, ec);
}

void storage_harness::start(unsigned queries, bool require_ready) {
  BOOST_REQUIRE(!backend_);
  config settings;
  if (database_url_.empty())
    settings.database_path = database_path_;
  else
    settings.postgres = postgres_target_from_url(database_url_);
  storage_backend_options options;
  options.queries = queries;
  options.searches = 0;  // the harness's tests send every read to queries
  options.retry_interval = std::chrono::milliseconds(100);
  // Every q total remembered, however quick to count on these small tables,
  // so that the remembered totals and first matches are what the suites test.
  options.remember_counts_after = std::chrono::microseconds(0);
  backend_ = spawn_storage_backend(world_.sys, settings, options, world_.metrics, world_.log);
  if (require_ready) BOOST_REQUIRE_MESSAGE(wait_ready(), "the backend did not become ready: " << health().reason);
}

void storage_harness::stop() {
  if (!backend_) return;
  backend_->stop_reads->store(true);
  auto stop_one = [&](const caf::actor& handle) {
    caf::anon_send_exit(handle, caf::exit_reason::user_shutdown);
    world_.self->wait_for(handle);
  };
  for (const auto& q : backend_->queries) stop_one(caf::actor_cast<caf::actor>(q));
  for (const auto& q : backend_->searches) stop_one(caf::actor_cast<caf::actor>(q));
  for (const auto& helper : backend_->helpers) stop_one(helper);
  stop_one(caf::actor_cast<caf::actor>(backend_->storage));
  backend_.reset();
}

std::string storage_harness::log_text() {
  world_.log.flush();
  std::fflush(world_.sink.file);
  std::string text;
  std::rewind(world_.sink.file);
  char buffer[4096];
  std::size_t n;
  while ((n = std::fread(buffer, 1, sizeof buffer, world_.sink.file)) > 0) text.append(buffer, n);
  std::fseek(world_.sink.file, 0, SEEK_END);
  return text;
}

store_outcome storage_harness::store(message_record rec) {
  std::optional<store_outcome> answer;
  world_.self->request(storage(), reply_timeout, store_atom::value, std::move(rec))
    .receive([&](store_outcome o) { answer = o; }, [&](caf::error&) {});
  BOOST_REQUIRE_MESSAGE(answer.has_value(), "store answered an error");
  return *answer;
}

std::vector<store_outcome> storage_harness::store_many(std::vector<message_record> records) {
  std::optional<std::vector<store_outcome>> answer;
  world_.self->request(storage(), reply_timeout, store_atom::value, std::move(records))
    .receive([&](std::vector<store_outcome> o) { answer = std::move(o); }, [&](caf::error&) {});
  BOOST_REQUIRE_MESSAGE(answer.has_value(), "store answered an error");
  return std::move(*answer);
}

void storage_harness::store_all(const std::vector<message_record>& records) {
  for (const auto& r : records) BOOST_REQUIRE_EQUAL(store(r), store_outcome::created);
}

storage_health storage_harness::health() {
  storage_health answer{false, "no answer"};
  world_.self->request(storage(), reply_timeout, health_atom::value)
    .receive([&](storage_health h) { answer = std::move(h); }, [&](caf::error&) {});
  return answer;
}

bool storage_harness::wait_ready(std::chrono::milliseconds within) {
  const auto until = std::chrono::steady_clock::now() + within;
  while (!health().ready) {
    if (std::chrono::steady_clock::now() >= until) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return true;
}

std::pair<std::optional<message_page>, caf::error> storage_harness::try_list(const message_query& q,
                                                                             std::size_t which) {
  std::optional<message_page> page;
  caf::error err;
  world_.self->request(query(which), reply_timeout, list_atom::value, q)
    .receive([&](rendered_page p) { page = parse_page(p, q); }, [&](caf::error& e) { err = std::move(e); });
  return {std::move(page), std::move(err)};
}

message_page storage_harness::list(const message_query& q, std::size_t which) {
  auto [page, err] = try_list(q, which);
  BOOST_REQUIRE_MESSAGE(page.has_value(), "list answered an error: " << world_.sys.render(err));
  return std::move(*page);
}

std::string storage_harness::list_body(const message_query& q, std::size_t which) {
  std::optional<std::string> body;
  world_.self->request(query(which), reply_timeout, list_atom::value, q)
    .receive([&](rendered_page p) { body = p.json.str(); }, [&](caf::error&) {});
  BOOST_REQUIRE_MESSAGE(body.has_value(), "list answered an error");
  return std::move(*body);
}

stats_snapshot storage_harness::stats(std::size_t which) {
  std::optional<stats_snapshot> snapshot;
  std::string failure;
  world_.self->request(query(which), reply_timeout, stats_atom::value)
    .receive([&](stats_snapshot s) { snapshot = std::move(s); }, [&](caf::error& e) { failure = world_.sys.render(e); });
  BOOST_REQUIRE_MESSAGE(snapshot.has_value(), "stats answered an error: " << failure);
  return std::move(*snapshot);
}

}  // namespace webhookd::test
