// The pool that hands GET /messages bodies round between the query actors
// and RESTinio's threads (messages/string_pool.hpp): what it keeps, what it
// refuses, and that pooled strings go back exactly once.
#define BOOST_TEST_MODULE test_string_pool
#include <boost/test/unit_test.hpp>

#include <atomic>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "messages/string_pool.hpp"

using namespace webhookd;

namespace {

std::string buffer_of(std::size_t capacity, char fill = 'x') {
  std::string s;
  s.reserve(capacity);
  s.assign(capacity / 2, fill);
  return s;
}

}  // namespace

BOOST_AUTO_TEST_CASE(a_given_buffer_comes_back_empty_with_its_memory) {
  string_pool pool{4, 64 * 1024, 1024 * 1024};
  BOOST_TEST(pool.take().capacity() == std::string{}.capacity());  // nothing kept yet: no allocation

  std::string page = buffer_of(16 * 1024);
  const char* memory = page.data();
  pool.give(std::move(page));
  BOOST_TEST(pool.kept() == 1u);

  std::string again = pool.take();
  BOOST_TEST(again.empty());
  BOOST_TEST(again.capacity() >= 16u * 1024);
  BOOST_TEST(static_cast<const void*>(again.data()) == static_cast<const void*>(memory));
  BOOST_TEST(pool.kept() == 0u);
}

BOOST_AUTO_TEST_CASE(the_pool_keeps_no_more_than_its_bounds) {
  string_pool pool{3, 32 * 1024, 1024 * 1024};
  for (int i = 0; i < 5; ++i) pool.give(buffer_of(8 * 1024));
  BOOST_TEST(pool.kept() == 3u);  // max_kept

  string_pool sized{8, 32 * 1024, 1024 * 1024};
  std::string too_big = buffer_of(64 * 1024);
  sized.give(std::move(too_big));
  std::string small = "short";  // in the string itself: no heap buffer to keep
  sized.give(std::move(small));
  BOOST_TEST(sized.kept() == 0u);

  // The byte budget: three 12 KiB buffers fit in 40 KiB, a fourth does not.
  string_pool budget{8, 32 * 1024, 40 * 1024};
  for (int i = 0; i < 4; ++i) budget.give(buffer_of(12 * 1024));
  BOOST_TEST(budget.kept() == 3u);
  const std::size_t full = budget.kept_bytes();
  BOOST_TEST(full >= 36u * 1024);
  BOOST_TEST(full <= 40u * 1024);
  std::string back = budget.take();
  BOOST_TEST(budget.kept_bytes() == full - back.capacity());
  BOOST_TEST(budget.kept() == 2u);
  budget.give(std::move(back));
  budget.give(buffer_of(12 * 1024));
  BOOST_TEST(budget.kept() == 3u);  // room again for one, not two
}

BOOST_AUTO_TEST_CASE(a_pooled_string_goes_back_once_and_its_copies_never) {
  string_pool pool{8, 64 * 1024, 1024 * 1024};
  {
    pooled_string body{buffer_of(4096, 'a'), &pool};
    BOOST_TEST(body.size() == 2048u);
    BOOST_TEST(body.str() == std::string(2048, 'a'));
    pooled_string copy = body;          // belongs to no pool
    pooled_string moved = std::move(body);  // takes the pool along; `body` has none left
    BOOST_TEST(moved.str() == copy.str());
    BOOST_TEST(static_cast<const void*>(moved.data()) != static_cast<const void*>(copy.data()));
  }
  BOOST_TEST(pool.kept() == 1u);

  {
    pooled_string first{buffer_of(4096), &pool};
    pooled_string second{buffer_of(4096), &pool};
    second = std::move(first);  // second's old buffer goes back now, first's later
    BOOST_TEST(pool.kept() == 2u);
  }
  BOOST_TEST(pool.kept() == 3u);
}

// Query actors take and RESTinio threads give at the same time (run under
// ThreadSanitizer in CI). Every buffer taken is written and checked, so two
// threads handed the same memory would show as a wrong page.
BOOST_AUTO_TEST_CASE(threads_taking_and_giving_never_share_a_buffer) {
  string_pool pool{16, 64 * 1024, 1024 * 1024};
  std::atomic<int> wrong{0};
  auto worker = [&](char mark) {
    for (int i = 0; i < 20000; ++i) {
      pooled_string body{[&] {
        std::string s = pool.take();
        s.assign(1500 + (i % 7) * 100, mark);
        return s;
      }(), &pool};
      for (char c : body.str())
        if (c != mark) {
          wrong.fetch_add(1);
          break;
        }
    }
  };
  std::vector<std::thread> threads;
  for (char mark : {'a', 'b', 'c', 'd'}) threads.emplace_back(worker, mark);
  for (auto& t : threads) t.join();
  BOOST_TEST(wrong.load() == 0);
  BOOST_TEST(pool.kept() >= 1u);
  BOOST_TEST(pool.kept() <= 16u);
}
