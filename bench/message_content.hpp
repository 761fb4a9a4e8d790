// The content of the benchmark's messages: one definition shared by
// make_requests (signed webhook requests) and make_database (a SQLite file
// written directly), so that both tools produce the same rows for the same
// seed and index, and a change to the content changes both.
//
// Every message is a pure function of (seed, variant, index): line i of a
// request file and row i of a generated database are the same message.
//
// The content is meant to look like real traffic, not like a fixture:
//   - 5,000 distinct senders in E.164 (several country codes) with a Zipf-like
//     skew: the busiest sender (+919876543210) sends about 9 % of all
//     messages, most senders only a handful;
//   - 40 recipients (business numbers);
//   - timestamps spread uniformly over 2024 (a leap year) in canonical
//     YYYY-MM-DDTHH:MM:SSZ;
//   - text: words drawn from a skewed vocabulary; some messages carry Unicode
//     (accents, Greek, CJK, emoji), some '%' and '_' (which a literal q must
//     match literally), some quotes, backslashes and newlines, a few are
//     long, and a few have no text (null or absent).
//
// Header-only: make_requests is also compiled by hand, without CMake
// (bench/lib/build.sh), from its one .cpp file and this header.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <ctime>
#include <string>
#include <string_view>
#include <vector>

namespace webhookd::bench {

// -------------------------------------------------------------- randomness

// splitmix64: tiny, fast and good enough; seeded per message so every message
// is independent of the messages generated before it.
struct rng {
  std::uint64_t state;
  std::uint64_t next() {
    std::uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
  // Uniform in [0, n).
  std::uint64_t below(std::uint64_t n) { return n == 0 ? 0 : next() % n; }
  // Uniform in [0, 1).
  double unit() { return static_cast<double>(next() >> 11) * (1.0 / 9007199254740992.0); }
  bool chance(double p) { return unit() < p; }
};

inline std::uint64_t mix(std::uint64_t a, std::uint64_t b) {
  rng r{a ^ (b * 0xd1342543de82ef95ULL)};
  r.next();
  return r.next();
}

// Zipf-like sampler over ranks 0..n-1 with weight 1/(rank+1)^s.
class skewed {
 public:
  skewed(std::size_t n, double s) : cumulative_(n) {
    double total = 0;
    for (std::size_t i = 0; i < n; ++i) {
      total += 1.0 / std::pow(static_cast<double>(i + 1), s);
      cumulative_[i] = total;
    }
    for (auto& c : cumulative_) c /= total;
  }
  std::size_t pick(rng& r) const {
    const double u = r.unit();
    auto it = std::upper_bound(cumulative_.begin(), cumulative_.end(), u);
    return it == cumulative_.end() ? cumulative_.size() - 1
                                   : static_cast<std::size_t>(it - cumulative_.begin());
  }

 private:
  std::vector<double> cumulative_;
};

// ------------------------------------------------------------ vocabulary

constexpr std::size_t sender_count = 5000;
constexpr std::size_t recipient_count = 40;

// Sender `rank` as E.164. Rank 0 is the well-known example number; the rest
// spread over five country codes with distinct subscriber numbers.
inline std::string sender(std::size_t rank) {
  if (rank == 0) return "+919876543210";
  static const char* const codes[] = {"+91", "+1", "+44", "+49", "+55"};
  const std::size_t code = rank % 5;
  // 7,000,000,000 + rank * 104,729 stays below 10^10 and is distinct per rank.
  const std::uint64_t subscriber = 7000000000ULL + static_cast<std::uint64_t>(rank) * 104729ULL;
  std::string s = codes[code];
  if (code == 1) {  // NANP: ten digits
    s += std::to_string(2000000000ULL + subscriber % 8000000000ULL);
  } else {
    s += std::to_string(subscriber);
  }
  return s;
}

inline std::string recipient(std::size_t i) { return "+1415555" + std::to_string(1000 + i); }

// Roughly by frequency: the skewed sampler makes the first words common and
// the last ones rare. "invoice" (rank ~20) is the benchmark's fixed 3+ letter q.
inline const std::vector<std::string_view> ascii_words = {
  "the", "you", "your", "order", "is", "ok", "hello", "thanks", "please", "and",
  "to", "for", "we", "at", "on", "delivery", "today", "payment", "account", "hi",
  "invoice", "confirm", "code", "shipped", "tomorrow", "will", "call", "me", "back", "meeting",
  "ticket", "update", "received", "status", "balance", "reminder", "appointment", "refund", "cancel", "book",
  "token", "review", "schedule", "address", "package", "tracking", "number", "support", "team", "available",
  "morning", "evening", "weekend", "Monday", "Friday", "urgent", "details", "attached", "agent", "service",
  "Hello", "OK", "Thanks", "Please", "Delivery", "Invoice", "ORDER", "URGENT", "Payment", "Status",
  "verification", "password", "reset", "login", "subscription", "renewal", "discount", "offer", "coupon", "voucher",
  "warehouse", "courier", "pickup", "dropoff", "store", "branch", "manager", "customer", "feedback", "survey",
  "lunch", "dinner", "coffee", "flight", "hotel", "booking", "taxi", "train", "bus", "station",
  "doctor", "pharmacy", "prescription", "clinic", "insurance", "claim", "policy", "premium", "loan", "mortgage",
  "quartz", "zephyr", "xylophone", "jukebox", "quokka", "fjord", "sphinx", "wizard", "kumquat", "blitz"};

inline const std::vector<std::string_view> unicode_words = {
  "café", "naïve", "Grüße", "Straße", "façade", "São", "Paulo", "mañana", "über", "Ελληνικά",
  "καλημέρα", "Москва", "привет", "日本語", "東京", "こんにちは", "你好", "谢谢", "안녕하세요", "नमस्ते",
  "धन्यवाद", "🚀", "👍", "🎉", "✅", "€", "£", "₹", "İstanbul", "ÇAĞRI"};

// Strings a LIKE-based q would misread: '%', '_' and '\' must match literally.
inline const std::vector<std::string_view> special_words = {
  "50%", "100%", "20%_off", "order_id", "user_name", "a_b", "%done%", "_tmp", "save 10%", "ref_no",
  "C:\\temp", "path\\to"};

// ---------------------------------------------------------------- messages

enum class text_kind { present, null, absent };

// One message as the service would store it: `text` is the decoded string
// (real newlines, quotes and backslashes), not its JSON form.
struct message {
  std::uint64_t index = 0;
  std::string_view from;  // points into the content's sender table
  std::string to;
  std::int64_t ts_seconds = 0;  // Unix time
  char ts[24] = {};             // YYYY-MM-DDTHH:MM:SSZ
  text_kind kind = text_kind::present;
  std::string text;      // empty unless kind == present
  bool channel = false;  // the request carries an extra, unknown field
};

class message_content {
 public:
  // 2024-01-01T00:00:00Z and the length of 2024, a leap year: every ts is
  // in [year_start, year_start + year_seconds).
  static constexpr std::int64_t year_start = 1704067200;
  static constexpr std::int64_t year_seconds = 366LL * 86400;

  // variant 0: the original messages; 1: the duplicate deliveries of the same
  // message_ids (other ts, sender, recipient and text).
  message_content(std::uint64_t seed, std::uint64_t variant) : seed_(mix(seed, variant)) {
    sender_numbers_.reserve(sender_count);
    for (std::size_t i = 0; i < sender_count; ++i) sender_numbers_.push_back(sender(i));
  }

  const std::vector<std::string>& senders() const { return sender_numbers_; }

  // Live traffic: message `index` as make() draws it, but stamped in arrival
  // order after the whole year (live_per_second messages to a second), as a
  // sender delivers them minutes after they were written; make() spreads ts
  // uniformly over the year, which is a backfill's order, not a live one's.
  static constexpr std::int64_t live_per_second = 16;
  void make_live(std::uint64_t index, message& out) const {
    make(index, out);
    set_ts(out, year_start + year_seconds + static_cast<std::int64_t>(index) / live_per_second);
  }

  static void set_ts(message& out, std::int64_t seconds) {
    out.ts_seconds = seconds;
    const std::time_t t = static_cast<std::time_t>(seconds);
    std::tm tm{};
    gmtime_r(&t, &tm);
    std::strftime(out.ts, sizeof out.ts, "%Y-%m-%dT%H:%M:%SZ", &tm);
  }

  // Message `index`. The order of the draws is part of the content: changing
  // it changes every message (and the request files' bytes).
  void make(std::uint64_t index, message& out) const {
    rng r{mix(seed_, index)};
    out.index = index;
    out.ts_seconds = year_start + static_cast<std::int64_t>(r.below(static_cast<std::uint64_t>(year_seconds)));
    set_ts(out, out.ts_seconds);
    out.from = sender_numbers_[sender_ranks_.pick(r)];
    out.to = recipient(r.below(recipient_count));
    out.text.clear();
    const double t_kind = r.unit();
    if (t_kind < 0.02) {
      out.kind = text_kind::null;
    } else if (t_kind < 0.04) {
      out.kind = text_kind::absent;
    } else {
      out.kind = text_kind::present;
      text(r, out.text);
    }
    out.channel = r.chance(0.05);
  }

 private:
  void text(rng& r, std::string& out) const {
    std::size_t n;
    const double shape = r.unit();
    if (shape < 0.01)
      n = 80 + r.below(150);  // long message, still far below 4096 code points
    else
      n = 1 + r.below(25);
    const bool unicode = r.chance(0.12);
    const bool special = r.chance(0.06);
    for (std::size_t i = 0; i < n; ++i) {
      if (i > 0) out += r.chance(0.03) ? "\n" : " ";
      const double kind = r.unit();
      if (unicode && kind < 0.2)
        out.append(unicode_words[r.below(unicode_words.size())]);
      else if (special && kind < 0.3)
        out.append(special_words[r.below(special_words.size())]);
      else if (kind > 0.995)
        out += "\"quoted\"";
      else
        out.append(ascii_words[word_ranks_.pick(r)]);
      if (r.chance(0.05)) out += r.chance(0.5) ? "," : ".";
    }
    if (r.chance(0.1)) out += r.chance(0.5) ? "!" : "?";
  }

  std::uint64_t seed_;
  skewed sender_ranks_{sender_count, 0.95};
  skewed word_ranks_{ascii_words.size(), 1.0};
  std::vector<std::string> sender_numbers_;
};

}  // namespace webhookd::bench
