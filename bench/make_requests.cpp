// make_requests: writes signed webhook requests for the benchmark.
//
// Output: one request per line, "<hex HMAC-SHA256 signature>\t<JSON body>\n".
// Bodies never contain a raw newline (JSON escapes them), so a wrk Lua script
// can read the file with io.lines() and split each line at the first TAB.
// With --shards T it also writes FILE.shard<T>-<i> for i in 0..T-1, shard i
// holding lines i, i+T, i+2T, … of FILE: each wrk thread then reads only the
// lines it sends (bench/ingest.lua).
//
// Every line is a pure function of (seed, variant, prefix, index): running the
// generator twice with the same arguments writes the same file. Line i carries
// message_id "<prefix>-<start + i>", so runs with different prefixes never
// collide in one database, and ranges written by separate calls with the same
// prefix (--start) never collide either.
//
// --duplicates writes the same message_ids as the normal mode would for the
// same --prefix/--start/--count, but with different bodies (other ts, text,
// recipient), each correctly signed: re-deliveries the service must answer
// 200 without storing anything ("the first stored version wins").
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
//     match literally), some quotes, backslashes and escaped newlines, a few
//     are long, and a few have no text (null or absent).
//
// Build: g++ -std=c++17 -O2 bench/make_requests.cpp -lcrypto
// (or through CMake: the bench_make_requests target).
#include <openssl/evp.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include <unistd.h>

namespace {

// ---------------------------------------------------------------- HMAC-SHA256

// HMAC-SHA256 with the key schedule done once: the inner and outer digest
// states after the padded key are kept and copied for every message, so a
// million signatures cost a million pairs of short SHA-256 runs, nothing more.
class hmac_sha256 {
 public:
  explicit hmac_sha256(std::string_view key)
      : inner_(EVP_MD_CTX_new(), EVP_MD_CTX_free),
        outer_(EVP_MD_CTX_new(), EVP_MD_CTX_free),
        work_(EVP_MD_CTX_new(), EVP_MD_CTX_free) {
    if (!inner_ || !outer_ || !work_) throw std::runtime_error("EVP_MD_CTX_new failed");
    constexpr std::size_t block = 64;
    std::array<unsigned char, block> k{};
    if (key.size() > block) {
      unsigned int n = 0;
      if (EVP_Digest(key.data(), key.size(), k.data(), &n, EVP_sha256(), nullptr) != 1)
        throw std::runtime_error("EVP_Digest failed");
    } else {
      std::memcpy(k.data(), key.data(), key.size());
    }
    std::array<unsigned char, block> ipad{}, opad{};
    for (std::size_t i = 0; i < block; ++i) {
      ipad[i] = static_cast<unsigned char>(k[i] ^ 0x36);
      opad[i] = static_cast<unsigned char>(k[i] ^ 0x5c);
    }
    check(EVP_DigestInit_ex(inner_.get(), EVP_sha256(), nullptr));
    check(EVP_DigestUpdate(inner_.get(), ipad.data(), block));
    check(EVP_DigestInit_ex(outer_.get(), EVP_sha256(), nullptr));
    check(EVP_DigestUpdate(outer_.get(), opad.data(), block));
  }

  // Lower-case hex of HMAC-SHA256(key, message), written into `out`.
  void hex(std::string_view message, std::string& out) {
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    check(EVP_MD_CTX_copy_ex(work_.get(), inner_.get()));
    check(EVP_DigestUpdate(work_.get(), message.data(), message.size()));
    check(EVP_DigestFinal_ex(work_.get(), digest, &n));
    check(EVP_MD_CTX_copy_ex(work_.get(), outer_.get()));
    check(EVP_DigestUpdate(work_.get(), digest, n));
    check(EVP_DigestFinal_ex(work_.get(), digest, &n));
    static constexpr char digits[] = "0123456789abcdef";
    out.clear();
    for (unsigned int i = 0; i < n; ++i) {
      out.push_back(digits[digest[i] >> 4]);
      out.push_back(digits[digest[i] & 0xf]);
    }
  }

 private:
  static void check(int ok) {
    if (ok != 1) throw std::runtime_error("OpenSSL digest call failed");
  }
  using ctx_ptr = std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)>;
  ctx_ptr inner_, outer_, work_;
};

// RFC 4231 test case 2, so a broken build cannot silently sign garbage.
void self_test() {
  hmac_sha256 h{"Jefe"};
  std::string out;
  h.hex("what do ya want for nothing?", out);
  if (out != "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843")
    throw std::runtime_error("HMAC-SHA256 self-test failed");
}

// -------------------------------------------------------------- randomness

// splitmix64: tiny, fast and good enough; seeded per line so every line is
// independent of the lines generated before it.
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

std::uint64_t mix(std::uint64_t a, std::uint64_t b) {
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

// ----------------------------------------------------------------- content

constexpr std::size_t sender_count = 5000;
constexpr std::size_t recipient_count = 40;

// Sender `rank` as E.164. Rank 0 is the well-known example number; the rest
// spread over five country codes with distinct subscriber numbers.
std::string sender(std::size_t rank) {
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

std::string recipient(std::size_t i) {
  return "+1415555" + std::to_string(1000 + i);
}

// Roughly by frequency: the skewed sampler makes the first words common and
// the last ones rare. "invoice" (rank ~20) is the benchmark's 3+ letter q.
const std::vector<std::string_view> ascii_words = {
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

const std::vector<std::string_view> unicode_words = {
    "café", "naïve", "Grüße", "Straße", "façade", "São", "Paulo", "mañana", "über", "Ελληνικά",
    "καλημέρα", "Москва", "привет", "日本語", "東京", "こんにちは", "你好", "谢谢", "안녕하세요", "नमस्ते",
    "धन्यवाद", "🚀", "👍", "🎉", "✅", "€", "£", "₹", "İstanbul", "ÇAĞRI"};

// Strings a LIKE-based q would misread: '%', '_' and '\' must match literally.
const std::vector<std::string_view> special_words = {
    "50%", "100%", "20%_off", "order_id", "user_name", "a_b", "%done%", "_tmp", "save 10%", "ref_no",
    "C:\\\\temp", "path\\\\to"};  // already JSON-escaped backslashes

void append_json_quoted_word(std::string& out, std::string_view w) {
  // Words are fixed above: only '"' would need escaping in the plain lists,
  // and none contains one; backslashes in special_words are pre-escaped.
  out.append(w);
}

struct generator {
  std::uint64_t seed;
  std::uint64_t variant;  // 0: original bodies; 1: duplicate bodies
  std::string prefix;
  skewed senders{sender_count, 0.95};
  skewed words{ascii_words.size(), 1.0};
  std::vector<std::string> sender_numbers;
  std::time_t year_start = 1704067200;       // 2024-01-01T00:00:00Z
  std::int64_t year_seconds = 366LL * 86400;  // 2024 is a leap year

  generator(std::uint64_t s, std::uint64_t v, std::string p)
      : seed(s), variant(v), prefix(std::move(p)) {
    sender_numbers.reserve(sender_count);
    for (std::size_t i = 0; i < sender_count; ++i) sender_numbers.push_back(sender(i));
  }

  void text(rng& r, std::string& out) {
    std::size_t n;
    const double shape = r.unit();
    if (shape < 0.01)
      n = 80 + r.below(150);  // long message, still far below 4096 code points
    else
      n = 1 + r.below(25);
    const bool unicode = r.chance(0.12);
    const bool special = r.chance(0.06);
    for (std::size_t i = 0; i < n; ++i) {
      if (i > 0) out += r.chance(0.03) ? "\\n" : " ";
      const double kind = r.unit();
      if (unicode && kind < 0.2)
        append_json_quoted_word(out, unicode_words[r.below(unicode_words.size())]);
      else if (special && kind < 0.3)
        append_json_quoted_word(out, special_words[r.below(special_words.size())]);
      else if (kind > 0.995)
        out += "\\\"quoted\\\"";
      else
        out.append(ascii_words[words.pick(r)]);
      if (r.chance(0.05)) out += r.chance(0.5) ? "," : ".";
    }
    if (r.chance(0.1)) out += r.chance(0.5) ? "!" : "?";
  }

  // The JSON body of line `index`; field order varies a little, as real
  // senders do, and unknown fields appear now and then.
  void body(std::uint64_t index, std::string& out) {
    rng r{mix(mix(seed, variant), index)};
    out.clear();
    char ts[32];
    const std::time_t t = year_start + static_cast<std::time_t>(r.below(static_cast<std::uint64_t>(year_seconds)));
    std::tm tm{};
    gmtime_r(&t, &tm);
    std::strftime(ts, sizeof ts, "%Y-%m-%dT%H:%M:%SZ", &tm);
    const std::string& from = sender_numbers[senders.pick(r)];
    const std::string to = recipient(r.below(recipient_count));

    out += "{\"message_id\":\"";
    out += prefix;
    out += '-';
    out += std::to_string(index);
    out += "\",\"from\":\"";
    out += from;
    out += "\",\"to\":\"";
    out += to;
    out += "\",\"ts\":\"";
    out += ts;
    out += '"';
    const double t_kind = r.unit();
    if (t_kind < 0.02) {
      out += ",\"text\":null";
    } else if (t_kind < 0.04) {
      // no text field at all
    } else {
      out += ",\"text\":\"";
      text(r, out);
      out += '"';
    }
    if (r.chance(0.05)) out += ",\"channel\":\"sms\"";
    out += '}';
  }
};

// ------------------------------------------------------------------- main

[[noreturn]] void usage(const char* why) {
  if (why) std::fprintf(stderr, "make_requests: %s\n", why);
  std::fprintf(stderr,
               "usage: make_requests --count N --out FILE [--secret S] [--prefix P]\n"
               "                     [--start I] [--seed X] [--duplicates] [--shards T]\n"
               "  --secret     HMAC secret (default: $WEBHOOK_SECRET)\n"
               "  --prefix     message_id prefix (default: run-<unix time>-<pid>)\n"
               "  --start      index of the first line's message_id (default 0)\n"
               "  --seed       content seed (default 1)\n"
               "  --duplicates same message_ids as without it, different bodies\n"
               "  --shards T   also write FILE.shard<T>-<i>: lines i, i+T, … (not with --out -)\n"
               "  --out -      writes to stdout\n");
  std::exit(2);
}

std::uint64_t parse_u64(const char* name, const char* s) {
  errno = 0;
  char* end = nullptr;
  const unsigned long long v = std::strtoull(s, &end, 10);
  if (errno != 0 || end == s || *end != '\0' || *s == '-')
    usage((std::string{name} + " needs a non-negative integer").c_str());
  return v;
}

}  // namespace

int main(int argc, char** argv) {
  std::uint64_t count = 0, start = 0, seed = 1, shards = 0;
  bool have_count = false, duplicates = false;
  std::string out_path, prefix, secret;
  if (const char* env = std::getenv("WEBHOOK_SECRET")) secret = env;

  for (int i = 1; i < argc; ++i) {
    const std::string_view a = argv[i];
    auto value = [&]() -> const char* {
      if (i + 1 >= argc) usage((std::string{a} + " needs a value").c_str());
      return argv[++i];
    };
    if (a == "--count") {
      count = parse_u64("--count", value());
      have_count = true;
    } else if (a == "--out") {
      out_path = value();
    } else if (a == "--secret") {
      secret = value();
    } else if (a == "--prefix") {
      prefix = value();
    } else if (a == "--start") {
      start = parse_u64("--start", value());
    } else if (a == "--seed") {
      seed = parse_u64("--seed", value());
    } else if (a == "--shards") {
      shards = parse_u64("--shards", value());
      if (shards < 1 || shards > 256) usage("--shards must be 1..256");
    } else if (a == "--duplicates") {
      duplicates = true;
    } else if (a == "-h" || a == "--help") {
      usage(nullptr);
    } else {
      usage(("unknown argument " + std::string{a}).c_str());
    }
  }
  if (!have_count) usage("--count is required");
  if (out_path.empty()) usage("--out is required");
  if (secret.empty()) usage("no secret: pass --secret or set WEBHOOK_SECRET");
  if (prefix.empty()) {
    prefix = "run-" + std::to_string(static_cast<long long>(std::time(nullptr))) + "-" +
             std::to_string(static_cast<long long>(getpid()));
  }
  for (char c : prefix) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '-' || c == '_' || c == '.';
    if (!ok) usage("--prefix may only hold [A-Za-z0-9._-]");
  }

  try {
    self_test();
    hmac_sha256 mac{secret};
    generator gen{seed, duplicates ? 1u : 0u, prefix};

    std::FILE* out = out_path == "-" ? stdout : std::fopen(out_path.c_str(), "wb");
    if (!out) {
      std::fprintf(stderr, "make_requests: cannot open %s: %s\n", out_path.c_str(), std::strerror(errno));
      return 1;
    }
    static char buffer[1 << 20];
    std::setvbuf(out, buffer, _IOFBF, sizeof buffer);
    if (shards > 0 && out == stdout) usage("--shards needs a file for --out");
    std::vector<std::FILE*> shard_files;
    for (std::uint64_t i = 0; i < shards; ++i) {
      const std::string name = out_path + ".shard" + std::to_string(shards) + "-" + std::to_string(i);
      std::FILE* f = std::fopen(name.c_str(), "wb");
      if (!f) {
        std::fprintf(stderr, "make_requests: cannot open %s: %s\n", name.c_str(), std::strerror(errno));
        return 1;
      }
      std::setvbuf(f, nullptr, _IOFBF, 1 << 18);
      shard_files.push_back(f);
    }

    const auto t0 = std::chrono::steady_clock::now();
    std::string body, sig, line;
    std::uint64_t bytes = 0;
    for (std::uint64_t i = 0; i < count; ++i) {
      gen.body(start + i, body);
      mac.hex(body, sig);
      line.clear();
      line += sig;
      line += '\t';
      line += body;
      line += '\n';
      std::FILE* shard = shards > 0 ? shard_files[i % shards] : nullptr;
      if (std::fwrite(line.data(), 1, line.size(), out) != line.size() ||
          (shard && std::fwrite(line.data(), 1, line.size(), shard) != line.size())) {
        std::fprintf(stderr, "make_requests: write failed: %s\n", std::strerror(errno));
        return 1;
      }
      bytes += line.size();
    }
    bool closed = std::fflush(out) == 0 && (out == stdout || std::fclose(out) == 0);
    for (std::FILE* f : shard_files) closed = std::fclose(f) == 0 && closed;
    if (!closed) {
      std::fprintf(stderr, "make_requests: write failed: %s\n", std::strerror(errno));
      return 1;
    }
    const double secs =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    std::fprintf(stderr,
                 "make_requests: %llu %s lines (%s-%llu .. %s-%llu), %.1f MB, %.2f s\n",
                 static_cast<unsigned long long>(count), duplicates ? "duplicate" : "unique",
                 prefix.c_str(), static_cast<unsigned long long>(start), prefix.c_str(),
                 static_cast<unsigned long long>(start + (count ? count - 1 : 0)),
                 static_cast<double>(bytes) / 1e6, secs);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "make_requests: %s\n", e.what());
    return 1;
  }
  return 0;
}
