#include "http/screened_socket.hpp"

namespace webhookd {

namespace {

constexpr std::string_view continue_response = "HTTP/1.1 100 Continue\r\n\r\n";

// An emptied buffer is freed: thousands of connections would each keep it
// (the 8 s flood of test_reliability_overload peaked 2.0x its steady size).
void release_if_empty(std::string& buffer) {
  if (buffer.empty()) std::string{}.swap(buffer);
}

connection_registry& registry_of(asio::io_context& io) {
  return asio::use_service<connection_registry>(static_cast<asio::execution_context&>(io));
}

}  // namespace

screened_connection::screened_connection(asio::io_context& io)
  : socket_(io), registry_(registry_of(io)), screen_(registry_.limits()) {}

void screened_connection::start(asio::any_io_executor strand) {
  strand_ = std::move(strand);
  registered_ = true;
  // Reads happen once the socket is readable (async_wait), so that an idle
  // connection holds no read buffer; they must never block.
  asio::error_code ignored;
  socket_.non_blocking(true, ignored);
  registry_.open(*this);
}

void screened_connection::finish() {
  if (!registered_ || finished_) return;
  finished_ = true;
  registry_.close(*this);
}

void screened_connection::close_if_idle() {
  if (!waiting_idle_ || closing_) return;
  closing_ = true;
  asio::error_code ignored;
  socket_.cancel(ignored);
  registry_.count_idle_closed();
}

std::size_t screened_connection::deliver(asio::mutable_buffer target) {
  auto available = outbox_.size() - outbox_taken_;
  if (available == 0) return 0;
  auto n = std::min(available, target.size());
  std::memcpy(target.data(), outbox_.data() + outbox_taken_, n);
  outbox_taken_ += n;
  if (outbox_taken_ == outbox_.size()) {
    outbox_.clear();
    outbox_taken_ = 0;
    release_if_empty(outbox_);
  }
  return n;
}

void screened_connection::screen_inbox() {
  auto used = screen_.feed(inbox_, outbox_);
  inbox_.erase(0, used);
  if (screen_.take_continue()) send_continue();
  // After a refusal nothing more is read.
  if (screen_.finished()) inbox_.clear();
  release_if_empty(inbox_);
}

void screened_connection::screen_received(const char* data, std::size_t size) {
  if (!inbox_.empty()) {
    inbox_.append(data, size);
    return screen_inbox();
  }
  auto used = screen_.feed(std::string_view{data, size}, outbox_);
  if (screen_.take_continue()) send_continue();
  if (!screen_.finished()) inbox_.assign(data + used, size - used);
}

void screened_connection::send_continue() {
  // RESTinio writes nothing while it waits for a request's body, and it
  // asks for a request only once the previous answer is written: the
  // interim answer cannot interleave with another.
  interim_.append(continue_response);
  asio::error_code ec;
  auto n = socket_.write_some(asio::buffer(interim_), ec);
  interim_.erase(0, ec ? 0 : n);
  // A rest (the client is not reading) goes out before RESTinio's next write;
  // an error is RESTinio's to find on that write.
  if (ec && ec != asio::error::would_block && ec != asio::error::try_again) interim_.clear();
}

void screened_connection::mark_idle(bool idle) {
  if (idle == waiting_idle_) return;
  waiting_idle_ = idle;
  if (idle) {
    screen_.release_buffers();
    release_if_empty(interim_);
  }
  if (idle)
    registry_.became_idle(*this);
  else
    registry_.became_busy(*this);
}

std::size_t screened_connection::receive(char* buffer, std::size_t size, asio::error_code& ec) {
  return socket_.read_some(asio::buffer(buffer, size), ec);
}

screened_socket::screened_socket(asio::io_context& io)
  : io_(&io), state_(std::make_shared<screened_connection>(io)) {}

screened_socket::screened_socket(screened_socket&& other) noexcept
  : io_(other.io_), state_(std::move(other.state_)) {
  other.state_ = std::make_shared<screened_connection>(*other.io_);
}

screened_socket& screened_socket::operator=(screened_socket&& other) noexcept {
  if (this == &other) return *this;
  state_->finish();
  io_ = other.io_;
  state_ = std::move(other.state_);
  other.state_ = std::make_shared<screened_connection>(*other.io_);
  return *this;
}

screened_socket::~screened_socket() {
  if (!state_) return;
  state_->finish();
  asio::error_code ignored;
  state_->socket().close(ignored);
}

void screened_socket::close() {
  state_->finish();
  state_->socket().close();
}

}  // namespace webhookd
