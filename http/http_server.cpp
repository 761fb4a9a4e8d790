#include "http/http_server.hpp"

#include <condition_variable>
#include <mutex>

#include <restinio/all.hpp>

#include "http/connection_registry.hpp"
#include "http/routes.hpp"
#include "http/screened_socket.hpp"

namespace webhookd {

namespace {

// Runs the router in an asio handler of its own rather than inside RESTinio's
// read path. RESTinio 0.6 mishandles a response given synchronously by the
// handler while more pipelined requests wait in its buffer: it reads the next
// request twice, its response table overflows, and the connection closes with
// answers unsent (some of them for requests already handled, even stored).
class deferred_router {
 public:
  // `io` is the server's own io_context, which outlives this handler (the
  // server owns both). Not a shared_ptr: a handler still queued at shutdown
  // holds a request, the request its connection, the connection this handler,
  // and the cycle would keep them all alive.
  deferred_router(std::shared_ptr<router_t> router, http_context& ctx, asio::io_context& io)
    : router_(std::move(router)), ctx_(ctx), io_(io) {}

  restinio::request_handling_status_t operator()(restinio::request_handle_t req) const {
    // Every route and the not-found handler answer, so the status is always "accepted".
    asio::post(io_, [router = router_, &ctx = ctx_, req = std::move(req)] {
      if (!answer_before_routing(ctx, req)) (void)(*router)(req);
    });
    return restinio::request_accepted();
  }

 private:
  std::shared_ptr<router_t> router_;
  http_context& ctx_;
  asio::io_context& io_;
};

// Multi-threaded I/O (strands), asio timers, RESTinio's own logging off (the
// access log is ours), our router.
struct server_traits : restinio::default_traits_t {
  using request_handler_t = deferred_router;
  // Every connection's bytes pass the request screen first (http/screened_socket.hpp).
  using stream_socket_t = screened_socket;
  // Past max_connections, new connections wait in the kernel's backlog
  // instead of costing memory and descriptors here.
  static constexpr bool use_connection_count_limiter = true;
};

using server_t = restinio::http_server_t<server_traits>;

// The screen applies the real limits, with an answer for each breach.
// RESTinio's sit just above them (its value limit refuses a value of exactly
// the limit, and a refusal trailer is one field more), so that it never
// closes a connection for what the screen let through.
restinio::incoming_http_msg_limits_t message_limits(const screen_limits& screen) {
  constexpr std::size_t margin = 64;
  return restinio::incoming_http_msg_limits_t{}
    .max_url_size(screen.max_target + margin)
    .max_field_name_size(screen.max_field_name + margin)
    .max_field_value_size(screen.max_field_value + margin)
    .max_field_count(screen.max_fields + margin)
    .max_body_size(screen.max_body);
}

// Parks every I/O thread of a running io_context in a handler of its own, so
// that the caller can touch state those threads use without a lock.
class io_threads_pause {
 public:
  // Posts one parking handler per thread and waits until all have arrived.
  // False if they did not within `limit` (then nothing may be touched, and
  // release() must still be called).
  bool hold(asio::io_context& io, std::size_t threads, std::chrono::milliseconds limit) {
    for (std::size_t i = 0; i < threads; ++i)
      asio::post(io, [state = state_] {
        std::unique_lock<std::mutex> lock{state->mutex};
        ++state->parked;
        state->changed.notify_all();
        state->changed.wait(lock, [&] { return state->released; });
      });
    std::unique_lock<std::mutex> lock{state_->mutex};
    return state_->changed.wait_for(lock, limit, [&] { return state_->parked == threads; });
  }

  void release() {
    std::lock_guard<std::mutex> lock{state_->mutex};
    state_->released = true;
    state_->changed.notify_all();
  }

 private:
  struct state {
    std::mutex mutex;
    std::condition_variable changed;
    std::size_t parked = 0;
    bool released = false;
  };
  std::shared_ptr<state> state_ = std::make_shared<state>();
};

}  // namespace

// The server's io_context, with execution_context::shutdown() made public
// for http_server::stop().
struct server_io_context : asio::io_context {
  using asio::io_context::shutdown;
};

struct http_server::impl {
  std::shared_ptr<server_io_context> io;
  std::unique_ptr<server_t> server;
};

http_server::http_server(http_settings settings, http_context& ctx)
  : settings_(std::move(settings)), ctx_(ctx), impl_(std::make_unique<impl>()) {}

http_server::~http_server() { stop(); }

void http_server::start() {
  impl_->io = std::make_shared<server_io_context>();
  auto& io = *impl_->io;
  screen_limits limits;
  // The WhatsApp receiver may take larger bodies than /webhook (its own
  // setting): the HTTP layer's limit follows the largest.
  limits.max_body = settings_.max_body_size;
  asio::use_service<connection_registry>(static_cast<asio::execution_context&>(io))
    .configure(settings_.max_connections, limits, &ctx_.metrics());
  restinio::server_settings_t<server_traits> settings;
  settings.address(settings_.host)
    .port(settings_.port)
    .request_handler(std::make_unique<deferred_router>(std::shared_ptr<router_t>{make_router(ctx_)}, ctx_, io))
    .read_next_http_message_timelimit(settings_.read_timeout)
    .write_http_response_timelimit(settings_.write_timeout)
    .handle_request_timeout(settings_.handle_timeout)
    .incoming_http_msg_limits(message_limits(limits))
    // One request in handling per connection (RESTinio's default, stated):
    // the screen's 100 Continue relies on RESTinio reading a next request
    // only after the previous answer is written.
    .max_pipelined_requests(1)
    // Each connection keeps a zero-filled read buffer for its whole life:
    // 2 KiB instead of RESTinio's 4 KiB saves 4 MiB per 2,000 connections.
    // A request larger than the buffer (a big webhook body) is just read in
    // more than one piece.
    .buffer_size(2 * 1024)
    .max_parallel_connections(settings_.max_connections_hard)
    .acceptor_post_bind_hook([this](asio::ip::tcp::acceptor& acceptor) {
      bound_port_ = acceptor.local_endpoint().port();
    });
  impl_->server = std::make_unique<server_t>(restinio::io_context_holder_t{impl_->io}, std::move(settings));
  impl_->server->open_sync();
  for (unsigned i = 0; i < settings_.threads; ++i)
    threads_.emplace_back([server = impl_->server.get()] { server->io_context().run(); });
}

void http_server::drain(std::chrono::milliseconds grace) {
  if (!impl_->server || threads_.empty()) return;
  // From now on every new request is answered 503 with Connection: close,
  // also on connections kept alive from before (they are closed at stop()).
  ctx_.start_draining();
  // Close the acceptor while every I/O thread is parked. RESTinio 0.6 runs
  // accept completions on the plain io_context executor but close on a strand
  // of its own, so a connection accepted during close_async() races with the
  // close on the acceptor socket (ThreadSanitizer caught it at SIGTERM).
  io_threads_pause pause;
  if (pause.hold(impl_->server->io_context(), threads_.size(), std::chrono::seconds{2})) {
    try {
      impl_->server->close_sync();
    } catch (const std::exception&) {
      // Closing a listening socket does not fail in practice; if it did, the
      // process stops anyway and the kernel closes it.
    }
  }
  pause.release();
  // Wait until nothing has been in flight for a short quiet period: a
  // connection accepted just before the acceptor closed may still be reading
  // its request, and it deserves an answer too.
  constexpr auto quiet_period = std::chrono::milliseconds{100};
  auto now = std::chrono::steady_clock::now();
  auto deadline = now + grace;
  auto idle_since = now;
  while (now < deadline) {
    if (ctx_.in_flight().load() > 0)
      idle_since = now;
    else if (now - idle_since >= quiet_period)
      break;
    std::this_thread::sleep_for(std::chrono::milliseconds{5});
    now = std::chrono::steady_clock::now();
  }
}

void http_server::stop() {
  if (!impl_->server) return;
  // Let responses handed over last reach their sockets before I/O stops.
  if (!threads_.empty()) std::this_thread::sleep_for(std::chrono::milliseconds{50});
  impl_->server->io_context().stop();
  for (auto& thread : threads_) thread.join();
  threads_.clear();
  // Handlers still queued hold connections (open keep-alive clients, requests
  // not routed yet). Destroy them now, while the server lives: a connection
  // reports its end to the server's connection limiter, and RESTinio destroys
  // that limiter (with its acceptor) before its io_context, so destroying them
  // with the io_context would touch freed memory.
  impl_->io->shutdown();
  impl_->server.reset();
  impl_->io.reset();
}

}  // namespace webhookd
