// The socket type RESTinio runs on (server_traits::stream_socket_t): a TCP
// socket whose incoming bytes pass through a request_screen before RESTinio
// parses them, and which tells the connection_registry when its connection
// is idle. This is the layer in front of RESTinio's parser: RESTinio 0.6 has
// no hook between the socket and http-parser (impl/connection.hpp,
// consume_data), and a parser error there closes the connection at once.
//
// All of a connection's work runs on its RESTinio strand: reads are started
// by RESTinio from there, and every completion here is bound to it.
#pragma once

#include <cstring>
#include <memory>
#include <string>
#include <utility>

#include <asio.hpp>

#include "http/connection_registry.hpp"
#include "http/request_screen.hpp"

namespace webhookd {

class screened_connection : public std::enable_shared_from_this<screened_connection> {
 public:
  explicit screened_connection(asio::io_context& io);
  screened_connection(const screened_connection&) = delete;
  screened_connection& operator=(const screened_connection&) = delete;

  asio::ip::tcp::socket& socket() { return socket_; }

  // RESTinio's read: the next screened bytes of the current request.
  template <typename Handler>
  void async_read_some(asio::mutable_buffer target, Handler handler) {
    if (!registered_) start(asio::get_associated_executor(handler, socket_.get_executor()));
    read(target, std::move(handler), true);
  }

  // RESTinio's write; a 100 Continue not yet fully sent goes first.
  template <typename ConstBuffers, typename Handler>
  void async_write_some(const ConstBuffers& buffers, Handler handler) {
    if (interim_.empty()) return socket_.async_write_some(buffers, std::move(handler));
    auto executor = asio::get_associated_executor(handler, socket_.get_executor());
    socket_.async_write_some(asio::buffer(interim_),
                             asio::bind_executor(executor, [self = shared_from_this(), handler = std::move(handler)](
                                                              const asio::error_code& ec, std::size_t n) mutable {
                               self->interim_.erase(0, n);
                               // None of RESTinio's bytes went out yet; its write loop asks again.
                               handler(ec, std::size_t{0});
                             }));
  }

  // Called by RESTinio's close() and when the socket is destroyed. Idempotent.
  void finish();
  // Posted by the registry: closes the connection if it is still idle.
  void close_if_idle();

 private:
  friend class connection_registry;

  void start(asio::any_io_executor strand);
  // Moves screened bytes into RESTinio's buffer; 0 when there are none.
  std::size_t deliver(asio::mutable_buffer target);
  // Screens what was received and not screened yet.
  void screen_inbox();
  void screen_received(const char* data, std::size_t size);
  // Writes a 100 Continue now, as far as the socket takes it.
  void send_continue();
  void mark_idle(bool idle);
  // One non-blocking read from the socket.
  std::size_t receive(char* buffer, std::size_t size, asio::error_code& ec);

  template <typename Handler>
  void read(asio::mutable_buffer target, Handler handler, bool initiating) {
    for (;;) {
      if (auto n = deliver(target)) return complete(std::move(handler), {}, n, initiating);
      if (screen_.finished() || closing_) return complete(std::move(handler), asio::error::eof, 0, initiating);
      if (inbox_.empty()) break;
      screen_inbox();
    }
    // A client that sent its last requests and shut its side down still gets them answered.
    if (peer_closed_) return complete(std::move(handler), asio::error::eof, 0, initiating);
    mark_idle(screen_.between_requests());
    socket_.async_wait(asio::ip::tcp::socket::wait_read,
                       asio::bind_executor(strand_, [self = shared_from_this(), target, handler = std::move(handler)](
                                                       const asio::error_code& ec) mutable {
                         self->on_readable(ec, target, std::move(handler));
                       }));
  }

  template <typename Handler>
  void on_readable(asio::error_code ec, asio::mutable_buffer target, Handler handler) {
    mark_idle(false);
    if (closing_) return handler(asio::error_code{asio::error::eof}, std::size_t{0});
    if (ec) return handler(ec, std::size_t{0});
    thread_local char buffer[read_size];
    auto n = receive(buffer, sizeof buffer, ec);
    if (ec == asio::error::would_block || ec == asio::error::try_again) return read(target, std::move(handler), false);
    if (ec == asio::error::eof) peer_closed_ = true;
    else if (ec) return handler(ec, std::size_t{0});
    screen_received(buffer, n);
    read(target, std::move(handler), false);
  }

  // From the initiating call asio wants the handler posted, not called.
  template <typename Handler>
  void complete(Handler handler, asio::error_code ec, std::size_t n, bool initiating) {
    if (!initiating) return handler(ec, n);
    asio::post(strand_, [handler = std::move(handler), ec, n]() mutable { handler(ec, n); });
  }

  // One read from the socket: larger than RESTinio's 2 KiB buffer, so that
  // a webhook body comes in few system calls; what RESTinio cannot take yet
  // waits in outbox_.
  static constexpr std::size_t read_size = 16 * 1024;

  asio::ip::tcp::socket socket_;
  connection_registry& registry_;
  asio::any_io_executor strand_;
  request_screen screen_;
  std::string inbox_;   // received, not screened yet (the requests after the current one)
  std::string outbox_;  // screened, not handed to RESTinio yet
  std::size_t outbox_taken_ = 0;
  std::string interim_;  // a 100 Continue the socket did not take at once
  bool registered_ = false;
  bool finished_ = false;
  bool peer_closed_ = false;
  bool closing_ = false;  // closed as idle: the pending read ends with EOF
  bool waiting_idle_ = false;  // an idle wait for a next request is pending

  // Owned by the registry's mutex.
  bool in_idle_list_ = false;
  std::list<screened_connection*>::iterator idle_position_;
};

// What RESTinio holds: a handle to the shared connection state, so that a
// close posted by the registry stays valid however RESTinio moves it.
class screened_socket {
 public:
  using executor_type = asio::ip::tcp::socket::executor_type;
  using lowest_layer_type = asio::ip::tcp::socket;

  explicit screened_socket(asio::io_context& io);
  // Like asio's sockets, a moved-from socket is as if newly made (RESTinio's
  // acceptor accepts into the same pool slot again).
  screened_socket(screened_socket&& other) noexcept;
  screened_socket& operator=(screened_socket&& other) noexcept;
  ~screened_socket();

  lowest_layer_type& lowest_layer() { return state_->socket(); }
  // RESTinio's plain-TCP helpers (prepare_connection_and_start_read,
  // make_tls_socket_pointer_for_state_listener) take a tcp::socket&.
  operator asio::ip::tcp::socket&() { return state_->socket(); }
  executor_type get_executor() { return state_->socket().get_executor(); }

  bool is_open() const { return state_->socket().is_open(); }
  void cancel(asio::error_code& ec) { state_->socket().cancel(ec); }
  void shutdown(asio::socket_base::shutdown_type what, asio::error_code& ec) { state_->socket().shutdown(what, ec); }
  void close();

  template <typename MutableBuffer, typename Handler>
  void async_read_some(const MutableBuffer& buffer, Handler&& handler) {
    state_->async_read_some(asio::mutable_buffer{buffer}, std::forward<Handler>(handler));
  }
  template <typename ConstBuffers, typename Handler>
  void async_write_some(const ConstBuffers& buffers, Handler&& handler) {
    state_->async_write_some(buffers, std::forward<Handler>(handler));
  }

 private:
  asio::io_context* io_;
  std::shared_ptr<screened_connection> state_;
};

}  // namespace webhookd
