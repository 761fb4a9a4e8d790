// The request bridge's own deadlines (actors/request_bridge.hpp): requests
// are sent without a CAF clock timeout, and the bridge gives up on them
// itself. Checked on the queue alone and through a real bridge with an actor
// that never answers.
#define BOOST_TEST_MODULE test_request_bridge
#include <boost/test/unit_test.hpp>

#include <chrono>
#include <future>
#include <memory>
#include <vector>

#include <caf/actor_system.hpp>
#include <caf/scoped_actor.hpp>
#include <caf/send.hpp>
#include <caf/typed_event_based_actor.hpp>

#include "support/actor_testing.hpp"
#include "actors/request_bridge.hpp"
#include "core/service_metrics.hpp"

using namespace webhookd;
using namespace webhookd::test;
using clock_type = std::chrono::steady_clock;

namespace {

caf::message_id response_id(std::uint64_t n) { return caf::make_message_id(n).response_id(); }

// A null actor that keeps every ping unanswered (until it stops).
struct silent_state {
  std::vector<caf::typed_response_promise<bool>> kept;
};
null_actor::behavior_type silent(null_actor::stateful_pointer<silent_state> self) {
  return {[self](ping_atom) -> caf::result<bool> {
    auto promise = self->make_response_promise<bool>();
    self->state.kept.push_back(promise);
    return promise;
  }};
}

null_actor::behavior_type prompt() {
  return {[](ping_atom) { return true; }};
}

struct outcome {
  bool answered = false;
  caf::error error;
  std::chrono::milliseconds after{0};
};

// Pings `target` through a bridge with the given deadline, waits for the
// task's handlers and reports what they saw and when.
outcome ping_through_bridge(caf::actor_system& sys, service_metrics& metrics, null_actor target,
                            std::chrono::milliseconds deadline) {
  actor_directory actors;
  actors.null = target;
  auto bridge = spawn_bridge(sys, actors, deadline, 0, metrics);
  auto done = std::make_shared<std::promise<outcome>>();
  auto result = done->get_future();
  const auto started = clock_type::now();
  auto owner = std::make_shared<int>(0);  // stands for the HTTP exchange
  caf::anon_send(bridge, run_atom::value, bridge_task{[done, owner, started](bridge_context& bc) {
    auto elapsed = [started] {
      return std::chrono::duration_cast<std::chrono::milliseconds>(clock_type::now() - started);
    };
    bc.request(bc.null(), owner, ping_atom::value)
      .then([done, owner, elapsed](bool) { done->set_value(outcome{true, {}, elapsed()}); },
            [done, owner, elapsed](caf::error& err) { done->set_value(outcome{false, err, elapsed()}); });
  }});
  owner.reset();
  BOOST_REQUIRE(result.wait_for(std::chrono::seconds(10)) == std::future_status::ready);
  caf::anon_send_exit(bridge, caf::exit_reason::user_shutdown);
  return result.get();
}

}  // namespace

BOOST_AUTO_TEST_CASE(sweep_skips_the_answered_and_expires_the_overdue) {
  request_deadlines deadlines;
  const auto now = clock_type::now();
  auto answered = std::make_shared<int>(1);
  auto overdue = std::make_shared<int>(2);
  auto waiting = std::make_shared<int>(3);
  deadlines.add(now - std::chrono::seconds(1), response_id(1), answered);
  deadlines.add(now - std::chrono::milliseconds(1), response_id(2), overdue);
  deadlines.add(now + std::chrono::seconds(5), response_id(3), waiting);
  deadlines.add(now - std::chrono::seconds(1), response_id(4), overdue);  // behind a waiting one
  answered.reset();
  std::vector<caf::message_id> expired;
  deadlines.sweep(now, [&](caf::message_id id) { expired.push_back(id); });
  BOOST_TEST(expired.size() == 1u);
  BOOST_TEST((expired.at(0) == response_id(2)));
  BOOST_TEST(deadlines.size() == 2u);  // the waiting one holds up the one behind it
  waiting.reset();
  deadlines.sweep(now, [&](caf::message_id id) { expired.push_back(id); });
  BOOST_TEST(expired.size() == 2u);
  BOOST_TEST((expired.at(1) == response_id(4)));
  BOOST_TEST(deadlines.empty());
}

// The metrics outlive the actor system: exiting actors still report to them.
struct bridge_fixture {
  service_metrics metrics;
  quiet_config cfg;
  caf::actor_system sys{cfg};
};

BOOST_FIXTURE_TEST_CASE(an_actor_that_never_answers_gives_request_timeout_after_the_deadline, bridge_fixture) {
  auto target = sys.spawn(silent);
  auto seen = ping_through_bridge(sys, metrics, target, std::chrono::milliseconds(200));
  BOOST_TEST(!seen.answered);
  BOOST_TEST((seen.error == caf::sec::request_timeout));
  BOOST_TEST(seen.after.count() >= 200);
  BOOST_TEST(seen.after.count() < 2000);
  caf::anon_send_exit(target, caf::exit_reason::user_shutdown);
}

BOOST_FIXTURE_TEST_CASE(an_answer_in_time_is_delivered_before_the_deadline, bridge_fixture) {
  auto target = sys.spawn(prompt);
  auto seen = ping_through_bridge(sys, metrics, target, std::chrono::milliseconds(200));
  BOOST_TEST(seen.answered);
  BOOST_TEST(!seen.error);
  BOOST_TEST(seen.after.count() < 200);
  caf::anon_send_exit(target, caf::exit_reason::user_shutdown);
}
